// Real image files for tests, made with sharp: nothing is checked in, everything is generated.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type Rgb = [number, number, number];

export const solid = (width: number, height: number, rgb: Rgb, channels: 3 | 4 = 3) =>
  sharp({
    create: {
      width,
      height,
      channels,
      background:
        channels === 4 ? { r: rgb[0], g: rgb[1], b: rgb[2], alpha: 1 } : { r: rgb[0], g: rgb[1], b: rgb[2] },
    },
  });

export const solidJpeg = (width: number, height: number, rgb: Rgb = [200, 40, 40]) =>
  solid(width, height, rgb).jpeg({ quality: 95 }).toBuffer();

/** A noisy photo-like JPEG: compresses like a real photo rather than a flat colour. */
export const noiseJpeg = (width: number, height: number, quality = 90) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .jpeg({ quality })
    .toBuffer();

/** Left half `left`, right half `right`: shows which way an image was turned or cropped. */
export async function halves(width: number, height: number, left: Rgb, right: Rgb) {
  const half = Math.floor(width / 2);
  const rightPart = await solid(width - half, height, right)
    .png()
    .toBuffer();
  return solid(width, height, left).composite([{ input: rightPart, left: half, top: 0 }]);
}

/** RGB of the pixel at (x, y) of any image sharp can read. */
export async function pixel(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

export const near = (a: Rgb, b: Rgb, tolerance = 12) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

export const RED: Rgb = [220, 20, 20];
export const BLUE: Rgb = [20, 20, 220];
export const GREEN: Rgb = [20, 200, 20];

/**
 * A black RGB PNG written by hand. `rows` below `height` makes a decompression bomb (the header
 * claims more than the data holds); `padTo` adds a text chunk so the file is exactly that long.
 */
export function handmadePng(
  width: number,
  height: number,
  options: { rows?: number; padTo?: number } = {},
): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const head = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
  ]);
  const data = chunk('IDAT', deflateSync(Buffer.alloc((1 + width * 3) * (options.rows ?? height))));
  const end = chunk('IEND', Buffer.alloc(0));
  const parts = [head, data, end];
  if (options.padTo !== undefined) {
    const room = options.padTo - head.length - data.length - end.length - 12 - 'Comment\0'.length;
    if (room < 0) throw new RangeError('padTo is smaller than the image');
    parts.splice(
      2,
      0,
      chunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(room, 0x2e)])),
    );
  }
  return Buffer.concat(parts);
}

/** Two lists of images, byte for byte the same (photo sets compared size by size). */
export function assertSameBytes(actual: Buffer[] | undefined, expected: Buffer[] | undefined, label: string) {
  assert.equal(actual?.length, expected?.length, `${label}: as many sizes`);
  for (const [i, bytes] of (expected ?? []).entries()) {
    assert.ok(bytes.equals(actual![i]!), `${label}: size ${i} is byte-identical`);
  }
}
