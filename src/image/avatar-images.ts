// The images /avatar/{hash} answers with (SPEC §8): a stored photo resized to the asked size, and
// the default images a Gravatar-style URL may ask for when there is none.
import { toPng } from 'jdenticon';
import sharp from 'sharp';
import { initialsSvg } from './initials-avatar.js';

export interface AvatarImage {
  contentType: 'image/jpeg' | 'image/png';
  bytes: Buffer;
}

/** The default images Portrait draws itself (`d=404` and `d=<url>` draw nothing). */
export type DrawnDefault = 'mp' | 'identicon' | 'initials' | 'blank';

/** A stored photo size (a JPEG square) scaled to `side`, up or down, as a JPEG. */
export async function resizedPhoto(jpeg: Buffer, side: number, quality: number): Promise<AvatarImage> {
  const bytes = await sharp(jpeg)
    .resize(side, side, { kernel: 'lanczos3' })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
  return { contentType: 'image/jpeg', bytes };
}

/** Gravatar's "mystery person": the same grey silhouette for everybody. */
const MYSTERY_PERSON_SVG = (side: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 100 100">` +
  '<rect width="100" height="100" fill="#c8c8c8"/>' +
  '<circle cx="50" cy="38" r="19" fill="#ffffff"/>' +
  '<path d="M14 100c0-22 16-36 36-36s36 14 36 36z" fill="#ffffff"/></svg>';

const svgToPng = async (svg: string): Promise<AvatarImage> => ({
  contentType: 'image/png',
  bytes: await sharp(Buffer.from(svg)).png().toBuffer(),
});

/**
 * A default image of `side` pixels. `seed` is the URL's hash for an identicon (the same address
 * always gets the same pattern) and the person's display name for initials.
 */
export async function drawnDefault(style: DrawnDefault, seed: string, side: number): Promise<AvatarImage> {
  switch (style) {
    case 'identicon':
      // jdenticon takes a hex string of 11 or more digits as the hash itself.
      return { contentType: 'image/png', bytes: toPng(seed, side, { backColor: '#ffffff' }) };
    case 'initials':
      return svgToPng(initialsSvg(seed, side));
    case 'mp':
      return svgToPng(MYSTERY_PERSON_SVG(side));
    case 'blank': {
      const bytes = await sharp({
        create: { width: side, height: side, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
      })
        .png()
        .toBuffer();
      return { contentType: 'image/png', bytes };
    }
  }
}
