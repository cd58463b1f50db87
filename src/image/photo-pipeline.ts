// The image pipeline of SPEC §4, and the only module (with its siblings in image/) that imports
// sharp. An upload is decoded once into an oriented, sRGB, flattened, centre-cropped square at the
// largest size it yields and encoded as a metadata-free JPEG; every smaller size is resized from
// that JPEG's pixels. Deriving the small sizes from the stored largest one, and keeping a JPEG that
// is already in stored form as it is, makes the pipeline idempotent: the largest size of a set,
// uploaded again, gives back the same set byte for byte (export then import, README).
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { invalidImage } from '../errors.js';
import { sidesForSquare } from '../domain/photo-sizes.js';
import { ACCEPTED_FORMAT_NAMES, type AcceptedFormat, sniffFormat } from './format-sniff.js';
import { isStoredFormJpeg } from './stored-form.js';

// libvips' operation cache pays off for repeated identical operations; uploads never repeat and
// the cache would hold decoded pixels, so memory would track history instead of load.
sharp.cache(false);

export interface PipelineOptions {
  /** Refuse sources with more pixels than this (SPEC §4: 40 megapixels by default). */
  maxPixels: number;
  /** JPEG quality of the stored sizes, 1–100. */
  jpegQuality: number;
}

export interface EncodedPhoto {
  width: number;
  height: number;
  contentType: 'image/jpeg';
  bytes: Buffer;
}

/** sharp's name for each accepted format (AVIF is read by libheif). */
const SHARP_FORMAT: Record<AcceptedFormat, string> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'heif',
  tiff: 'tiff',
};

const FORMAT_LABEL: Record<AcceptedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  avif: 'AVIF',
  tiff: 'TIFF',
};

/** libvips' first line, without its `VipsForeignLoad…:` prefix noise. */
const vipsReason = (error: unknown) =>
  String(error instanceof Error ? error.message : error)
    .split('\n')[0]!
    .trim();

const corrupt = (format: AcceptedFormat, error: unknown) =>
  invalidImage(
    `The ${FORMAT_LABEL[format]} image is truncated or corrupt and cannot be decoded (${vipsReason(error)}).`,
  );

/** EXIF orientations 5–8 turn the image a quarter, swapping its width and height. */
const isQuarterTurn = (orientation: number | undefined) => orientation !== undefined && orientation >= 5;

async function inspect(bytes: Buffer, format: AcceptedFormat, maxPixels: number) {
  let meta: Metadata;
  try {
    // Only the header is read here; the pixel limit is checked below with a message that says so.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw corrupt(format, error);
  }
  if (meta.format !== SHARP_FORMAT[format] || !meta.width || !meta.height) {
    throw invalidImage(`The data starts like a ${FORMAT_LABEL[format]} image but is not a valid one.`);
  }
  const height = meta.pageHeight ?? meta.height;
  if (meta.width * height > maxPixels) {
    const megapixels = (n: number) =>
      `${n >= 1e7 ? Math.round(n / 1e6) : Number((n / 1e6).toPrecision(2))} megapixels`;
    throw invalidImage(
      `The image is ${meta.width}x${height} (${megapixels(meta.width * height)}); ` +
        `the limit is ${megapixels(maxPixels)}. Scale it down and upload again.`,
    );
  }
  return isQuarterTurn(meta.orientation)
    ? { width: height, height: meta.width }
    : { width: meta.width, height };
}

type Pixels = { data: Buffer; info: OutputInfo };

async function decodeSquare(bytes: Buffer, format: AcceptedFormat, side: number, maxPixels: number) {
  try {
    return await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels, sequentialRead: true })
      .autoOrient()
      // `cover` crops the centre square. Shrink-on-load: libvips decodes a JPEG at 1/2, 1/4 or 1/8
      // scale straight from its DCT coefficients (WebP likewise) when the square allows, instead of
      // decoding every source pixel and throwing most away; test/unit/photo-quality.test.ts bounds
      // the difference from a full decode.
      .resize(side, side, { fit: 'cover', position: 'centre', fastShrinkOnLoad: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw corrupt(format, error);
  }
}

/**
 * The pixels of a JPEG in stored form, read in full. When its bytes are kept as the caller sent
 * them, even a warning (a scan cut short before its end marker) refuses it; Portrait's own fresh
 * encodes skip that stricter, slower check.
 */
async function decodeStored(bytes: Buffer, kept: boolean): Promise<Pixels> {
  try {
    return await sharp(bytes, { failOn: kept ? 'warning' : 'none' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw corrupt('jpeg', error);
  }
}

async function encodeSize(square: Pixels, side: number, quality: number): Promise<EncodedPhoto> {
  const { width, height, channels } = square.info;
  let image = sharp(square.data, { raw: { width, height, channels } });
  if (side !== width) image = image.resize(side, side, { kernel: 'lanczos3' });
  // No withMetadata(): sharp writes no EXIF, XMP, IPTC or ICC, so nothing of the source survives.
  const bytes = await image.jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return { width: side, height: side, contentType: 'image/jpeg', bytes };
}

/**
 * The largest size: the upload itself when it is a JPEG square of exactly that side in stored
 * form (nothing in it to strip or convert), else the decoded square encoded.
 */
async function largestSize(
  bytes: Buffer,
  format: AcceptedFormat,
  source: { width: number; height: number },
  side: number,
  options: PipelineOptions,
): Promise<EncodedPhoto> {
  if (format === 'jpeg' && source.width === side && source.height === side && isStoredFormJpeg(bytes)) {
    return { width: side, height: side, contentType: 'image/jpeg', bytes };
  }
  const square = await decodeSquare(bytes, format, side, options.maxPixels);
  return encodeSize(square, side, options.jpegQuality);
}

/**
 * Turns an upload into the stored sizes, smallest first. Throws ErrorInvalidImage (400) for
 * anything that is not a complete image of an accepted format within the pixel limit.
 */
export async function processPhoto(bytes: Buffer, options: PipelineOptions): Promise<EncodedPhoto[]> {
  if (bytes.length === 0) throw invalidImage('The request body is empty; send the bytes of the image.');
  const sniffed = sniffFormat(bytes);
  if (!sniffed.accepted) {
    throw invalidImage(
      `The body is ${sniffed.description}, not an image in a format Portrait accepts (${ACCEPTED_FORMAT_NAMES}).`,
    );
  }
  const source = await inspect(bytes, sniffed.format, options.maxPixels);
  const sides = sidesForSquare(Math.min(source.width, source.height));
  const largest = await largestSize(bytes, sniffed.format, source, sides.at(-1)!, options);
  if (sides.length === 1) {
    // A kept upload must still decode in full: a truncated JPEG is refused, not stored.
    if (largest.bytes === bytes) await decodeStored(bytes, true);
    return [largest];
  }
  const pixels = await decodeStored(largest.bytes, largest.bytes === bytes);
  const smaller = await Promise.all(
    sides.slice(0, -1).map((side) => encodeSize(pixels, side, options.jpegQuality)),
  );
  return [...smaller, largest];
}
