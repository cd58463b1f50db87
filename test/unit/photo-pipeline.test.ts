import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { GraphError } from '../../src/errors.js';
import { processPhoto } from '../../src/image/photo-pipeline.js';
import { isStoredFormJpeg } from '../../src/image/stored-form.js';
import {
  assertSameBytes,
  BLUE,
  GREEN,
  halves,
  handmadePng,
  near,
  noiseJpeg,
  pixel,
  RED,
  solid,
  solidJpeg,
} from '../support/images.js';

const OPTIONS = { maxPixels: 40_000_000, jpegQuality: 88 };

async function refused(body: Buffer, mentions: RegExp, options = OPTIONS) {
  await assert.rejects(processPhoto(body, options), (error: unknown) => {
    assert.ok(error instanceof GraphError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'ErrorInvalidImage');
    assert.match(error.message, mentions);
    return true;
  });
}

describe('image pipeline', () => {
  it('makes exactly the 8 standard sizes up to 504 from a 504x504 upload', async () => {
    const sizes = await processPhoto(await solidJpeg(504, 504), OPTIONS);
    assert.deepEqual(
      sizes.map((s) => s.width),
      [48, 64, 96, 120, 240, 360, 432, 504],
    );
    for (const size of sizes) {
      const meta = await sharp(size.bytes).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(meta.width, size.width);
      assert.equal(meta.height, size.width);
      assert.equal(size.height, size.width);
      assert.equal(size.contentType, 'image/jpeg');
    }
  });

  it('makes all nine sizes from a large photo', async () => {
    const sizes = await processPhoto(await noiseJpeg(3000, 2250), OPTIONS);
    assert.deepEqual(
      sizes.map((s) => s.width),
      [48, 64, 96, 120, 240, 360, 432, 504, 648],
    );
  });

  it('keeps an image under 48px as its single photo', async () => {
    const sizes = await processPhoto(await solidJpeg(30, 30), OPTIONS);
    assert.equal(sizes.length, 1);
    assert.equal(sizes[0]!.width, 30);
    assert.equal((await sharp(sizes[0]!.bytes).metadata()).height, 30);
  });

  it('crops the centre square of a non-square image', async () => {
    // Thirds: green | red | blue. The centre square of 900x300 is the red third.
    const third = await solid(300, 300, RED).png().toBuffer();
    const blue = await solid(300, 300, BLUE).png().toBuffer();
    const image = await solid(900, 300, GREEN)
      .composite([
        { input: third, left: 300, top: 0 },
        { input: blue, left: 600, top: 0 },
      ])
      .png()
      .toBuffer();
    const sizes = await processPhoto(image, OPTIONS);
    assert.equal(sizes.at(-1)!.width, 240);
    const largest = sizes.at(-1)!.bytes;
    for (const [x, y] of [
      [2, 2],
      [237, 2],
      [2, 237],
      [237, 237],
      [120, 120],
    ] as const) {
      assert.ok(near(await pixel(largest, x, y), RED, 30), `pixel ${x},${y} should be red`);
    }
  });

  it('applies EXIF orientation 6 (a quarter turn clockwise) before cropping', async () => {
    // Stored 200x100: left half red, right half blue. Displayed with orientation 6 it is 100x200,
    // red on top and blue below; the centre square keeps red above blue.
    const source = await (await halves(200, 100, RED, BLUE))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    assert.equal((await sharp(source).metadata()).orientation, 6);
    const largest = (await processPhoto(source, OPTIONS)).at(-1)!;
    assert.equal(largest.width, 96);
    assert.ok(near(await pixel(largest.bytes, 48, 10), RED, 30), 'top is red');
    assert.ok(near(await pixel(largest.bytes, 48, 85), BLUE, 30), 'bottom is blue');
    assert.ok(
      near(await pixel(largest.bytes, 10, 48), await pixel(largest.bytes, 85, 48), 30),
      'left and right alike',
    );
  });

  it('strips EXIF, GPS, XMP and ICC from every size', async () => {
    const source = await solid(600, 600, RED)
      .withExif({
        IFD0: { Copyright: 'SECRET-COPYRIGHT', ImageDescription: 'SECRET-DESCRIPTION' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '51/1 30/1 0/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '0/1 7/1 0/1',
        },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
          '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>SECRET-XMP</dc:creator>' +
          '</rdf:Description></rdf:RDF></x:xmpmeta>',
      )
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const input = await sharp(source).metadata();
    assert.ok(input.exif && input.xmp && input.icc, 'the fixture carries EXIF, XMP and ICC');
    // 0x8825 is the EXIF pointer to the GPS IFD.
    assert.ok(
      input.exif.includes(Buffer.from([0x88, 0x25])) || input.exif.includes(Buffer.from([0x25, 0x88])),
    );
    for (const size of await processPhoto(source, OPTIONS)) {
      const meta = await sharp(size.bytes).metadata();
      assert.equal(meta.exif, undefined, `${size.width}: no EXIF`);
      assert.equal(meta.xmp, undefined, `${size.width}: no XMP`);
      assert.equal(meta.icc, undefined, `${size.width}: no ICC`);
      assert.equal(meta.iptc, undefined, `${size.width}: no IPTC`);
      assert.equal(size.bytes.includes('SECRET'), false);
      assert.equal(size.bytes.includes('Exif\0'), false);
    }
  });

  it('converts colour-managed sources to sRGB before dropping their profile', async () => {
    // sRGB orange written as Display P3 numbers, tagged P3: read as sRGB, it must be orange again.
    const orange: [number, number, number] = [200, 100, 50];
    const p3 = await solid(64, 64, orange).withIccProfile('p3').png().toBuffer();
    const p3Numbers = await pixel(await sharp(p3, { ignoreIcc: true }).png().toBuffer(), 10, 10);
    assert.equal(near(p3Numbers, orange, 5), false, `the fixture stores other numbers (${p3Numbers})`);
    const out = await pixel((await processPhoto(p3, OPTIONS))[0]!.bytes, 24, 24);
    assert.ok(near(out, orange, 4), `converted back to sRGB: ${out}`);
  });

  it('turns CMYK and greyscale sources into 3-channel sRGB JPEGs', async () => {
    const cmyk = await solid(100, 100, [50, 100, 200]).toColourspace('cmyk').jpeg().toBuffer();
    const grey = await solid(100, 100, [90, 90, 90]).toColourspace('b-w').png().toBuffer();
    for (const source of [cmyk, grey]) {
      const meta = await sharp((await processPhoto(source, OPTIONS))[0]!.bytes).metadata();
      assert.equal(meta.space, 'srgb');
      assert.equal(meta.channels, 3);
    }
  });

  it('flattens transparency onto white', async () => {
    const transparent = await sharp({
      create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const out = (await processPhoto(transparent, OPTIONS))[0]!.bytes;
    assert.equal((await sharp(out).metadata()).hasAlpha, false);
    assert.ok(near(await pixel(out, 20, 20), [255, 255, 255], 3));
  });

  it('accepts PNG, GIF (first frame), WebP, AVIF and TIFF', async () => {
    const base = solid(120, 120, GREEN);
    const frames = Buffer.concat([
      await solid(64, 64, RED).raw().toBuffer(),
      await solid(64, 64, BLUE).raw().toBuffer(),
    ]);
    const animatedGif = await sharp(frames, { raw: { width: 64, height: 128, channels: 3, pageHeight: 64 } })
      .gif()
      .toBuffer();
    const sources = {
      png: await base.clone().png().toBuffer(),
      webp: await base.clone().webp().toBuffer(),
      avif: await base.clone().avif().toBuffer(),
      tiff: await base.clone().tiff().toBuffer(),
    };
    for (const [format, bytes] of Object.entries(sources)) {
      const sizes = await processPhoto(bytes, OPTIONS);
      assert.deepEqual(
        sizes.map((s) => s.width),
        [48, 64, 96, 120],
        format,
      );
      assert.ok(near(await pixel(sizes[0]!.bytes, 24, 24), GREEN, 30), format);
    }
    const gif = await processPhoto(animatedGif, OPTIONS);
    assert.deepEqual(
      gif.map((s) => s.width),
      [48, 64],
    );
    assert.ok(near(await pixel(gif[1]!.bytes, 32, 32), RED, 40), 'the first frame, not the strip');
  });

  it('refuses an empty body', () => refused(Buffer.alloc(0), /empty/));

  it('refuses a text file, naming what it is', () =>
    refused(Buffer.from('hello, this is not a photo\n'), /plain text/));

  it('refuses SVG and PDF, which sharp could otherwise render', async () => {
    await refused(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /SVG/);
    await refused(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), /PDF/);
  });

  it('refuses a truncated JPEG', async () => {
    const whole = await noiseJpeg(400, 400);
    await refused(whole.subarray(0, Math.floor(whole.length / 2)), /truncated or corrupt/);
  });

  it('refuses a JPEG whose data is garbage after a valid start', async () => {
    const whole = await noiseJpeg(400, 400);
    const garbled = Buffer.concat([whole.subarray(0, 20), Buffer.alloc(2000, 0x41)]);
    await refused(garbled, /JPEG/);
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    await refused(handmadePng(100_000, 100_000, { rows: 1 }), /10000 megapixels.*limit is 40 megapixels/);
    await refused(await solidJpeg(200, 200), /limit is 0\.01 megapixels/, { ...OPTIONS, maxPixels: 10_000 });
  });

  it('gives back the same set, byte for byte, when the largest size is uploaded again', async () => {
    for (const source of [await noiseJpeg(3000, 2250), await noiseJpeg(500, 400), await solidJpeg(30, 30)]) {
      const first = await processPhoto(source, OPTIONS);
      const again = await processPhoto(first.at(-1)!.bytes, OPTIONS);
      assert.deepEqual(
        again.map((s) => s.width),
        first.map((s) => s.width),
      );
      assertSameBytes(
        again.map((s) => s.bytes),
        first.map((s) => s.bytes),
        `${first.at(-1)!.width}`,
      );
    }
  });

  it('keeps a stored-form JPEG square of a stored size as it is, and re-encodes anything else', async () => {
    const stored = (await processPhoto(await noiseJpeg(700, 700), OPTIONS)).at(-1)!.bytes;
    assert.ok(isStoredFormJpeg(stored));
    const withExif = await sharp(stored)
      .withExif({ IFD0: { Copyright: 'SECRET' } })
      .jpeg()
      .toBuffer();
    const progressive = await sharp(stored).jpeg({ progressive: true }).toBuffer();
    const trailing = Buffer.concat([stored, Buffer.from('SECRET trailing bytes')]);
    for (const [what, bytes] of [
      ['EXIF', withExif],
      ['progressive', progressive],
      ['trailing bytes', trailing],
    ] as const) {
      assert.equal(isStoredFormJpeg(bytes), false, what);
      const largest = (await processPhoto(bytes, OPTIONS)).at(-1)!.bytes;
      assert.ok(isStoredFormJpeg(largest), `${what}: stored in stored form`);
      assert.equal(largest.includes('SECRET'), false, `${what}: nothing of it kept`);
    }
    // A stored-form JPEG that is not a stored size (700 is between 648 and the next) is scaled.
    const odd = await sharp(stored).resize(700, 700).jpeg().toBuffer();
    assert.ok(isStoredFormJpeg(odd));
    assert.equal((await processPhoto(odd, OPTIONS)).at(-1)!.width, 648);
  });

  it('refuses a truncated JPEG even when its start is in stored form', async () => {
    const stored = (await processPhoto(await noiseJpeg(100, 100), OPTIONS)).at(-1)!.bytes;
    const cut = Buffer.concat([stored.subarray(0, stored.length - 200), Buffer.from([0xff, 0xd9])]);
    await refused(cut, /truncated or corrupt/);
  });
});
