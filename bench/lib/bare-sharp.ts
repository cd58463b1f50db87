// What any sharp user would write for the result of Portrait's pipeline, the reference of the
// upload and bulk-import benchmarks: decode once to the largest square, then encode every size.
// `fullDecode` is the naive form the upload target is set against: the whole source decoded, no
// shrink-on-load (libvips decoding a JPEG at 1/2, 1/4 or 1/8 scale straight from its DCT).
import sharp from 'sharp';

const SIDES = [48, 64, 96, 120, 240, 360, 432, 504, 648];

export async function bareSizes(bytes: Buffer, options: { fullDecode?: boolean } = {}): Promise<void> {
  const square = await sharp(bytes)
    .autoOrient()
    .resize(648, 648, { fit: 'cover', fastShrinkOnLoad: !options.fullDecode })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = square.info;
  await Promise.all(
    SIDES.map((side) =>
      sharp(square.data, { raw: { width, height, channels } })
        .resize(side, side)
        .jpeg({ quality: 88 })
        .toBuffer(),
    ),
  );
}
