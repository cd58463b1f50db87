// Decides an upload's format from its own bytes (SPEC §4), never from its Content-Type, and names
// what common non-images are so the error tells a person what they sent.

export type AcceptedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'tiff';

export const ACCEPTED_FORMAT_NAMES = 'JPEG, PNG, GIF, WebP, AVIF or TIFF';

export type Sniffed = { accepted: true; format: AcceptedFormat } | { accepted: false; description: string };

const startsWith = (bytes: Buffer, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);

const ascii = (bytes: Buffer, start: number, end: number) => bytes.subarray(start, end).toString('latin1');

/** ISO-BMFF brands (`ftyp` box) that are AVIF; HEIC's `heic`/`heix`/`mif1`-only files are not. */
function isoBrands(bytes: Buffer): string[] | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

function describeOther(bytes: Buffer): string {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return 'a PDF document';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive (or an Office document)';
  if (startsWith(bytes, [0x42, 0x4d])) return 'a BMP image, which is not accepted';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'an ICO icon, which is not accepted';
  const brands = isoBrands(bytes);
  if (brands?.some((b) => ['heic', 'heix', 'hevc', 'heim', 'heis'].includes(b))) {
    return 'a HEIC image, which is not accepted (convert it to JPEG)';
  }
  if (brands) return 'an ISO media file (video or other), not a still image';
  const head = ascii(bytes, 0, Math.min(bytes.length, 512)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return 'an SVG drawing, which is not accepted (export it as PNG or JPEG)';
  }
  if (head.startsWith('{') || head.startsWith('[')) return 'JSON text';
  if (head.startsWith('<')) return 'HTML or XML text';
  const sample = bytes.subarray(0, 512);
  const printable = sample.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  if (printable.length === sample.length) return 'plain text';
  return 'data of an unknown kind';
}

export function sniffFormat(bytes: Buffer): Sniffed {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { accepted: true, format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { accepted: true, format: 'png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    return { accepted: true, format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { accepted: true, format: 'webp' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { accepted: true, format: 'tiff' };
  }
  if (isoBrands(bytes)?.some((b) => b === 'avif' || b === 'avis')) return { accepted: true, format: 'avif' };
  return { accepted: false, description: describeOther(bytes) };
}
