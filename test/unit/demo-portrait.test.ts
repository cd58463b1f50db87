// The demo tenant's pictures: the same for a name every time, different between names, and
// pictures rather than the initials on a flat colour that mean "no photo" in a console.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { demoLandscapeSvg, demoPortraitSvg, renderDemoPhoto } from '../../src/image/demo-portrait.js';
import { initialsSvg } from '../../src/image/initials-avatar.js';

/**
 * The share of a picture's pixels, at the 48 × 48 a directory shows, in its most common colour
 * (8 levels a channel): most of an initials avatar is its one background colour.
 */
async function flatness(png: Buffer): Promise<number> {
  const { data } = await sharp(png).resize(48, 48).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 3) {
    const colour = ((data[i]! >> 5) << 6) | ((data[i + 1]! >> 5) << 3) | (data[i + 2]! >> 5);
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  return Math.max(...counts.values()) / (data.length / 3);
}

describe('demo photos', () => {
  it('are the same picture for a name every time, and another for another name', async () => {
    const megan = await renderDemoPhoto(demoPortraitSvg('Megan Bowen'), 'Megan Bowen');
    assert.deepEqual(await renderDemoPhoto(demoPortraitSvg('Megan Bowen'), 'Megan Bowen'), megan);
    assert.notDeepEqual(await renderDemoPhoto(demoPortraitSvg('Adele Vance'), 'Adele Vance'), megan);
    assert.notEqual(demoLandscapeSvg('Mark 8 Project Team'), demoLandscapeSvg('Retail'));
  });

  it('are 648 × 648 pictures, not a flat colour as an initials placeholder is', async () => {
    const initials = await sharp(Buffer.from(initialsSvg('Megan Bowen', 648)))
      .png()
      .toBuffer();
    assert.ok((await flatness(initials)) > 0.6, 'the measure tells initials apart');
    for (const [name, svg] of [
      ['Megan Bowen', demoPortraitSvg('Megan Bowen')],
      ['Alex Wilber', demoPortraitSvg('Alex Wilber')],
      ['Mark 8 Project Team', demoLandscapeSvg('Mark 8 Project Team')],
    ] as const) {
      const photo = await renderDemoPhoto(svg, name);
      const { width, height } = await sharp(photo).metadata();
      assert.deepEqual([width, height], [648, 648]);
      const flat = await flatness(photo);
      assert.ok(flat < 0.3, `${name}: ${Math.round(flat * 100)}% of the picture is one colour`);
    }
  });
});
