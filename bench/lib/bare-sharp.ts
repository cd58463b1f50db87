// What any sharp user would write for the result of Portrait's pipeline, the reference of the
// upload and bulk-import benchmarks: decode once to the largest square, then encode every size.
import sharp from 'sharp';

const SIDES = [48, 64, 96, 120, 240, 360, 432, 504, 648];

export async function bareSizes(bytes: Buffer): Promise<void> {
  const square = await sharp(bytes)
    .autoOrient()
    .resize(648, 648, { fit: 'cover' })
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
