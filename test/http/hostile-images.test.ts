// Hostile images (issue 15, docs/reliability.md): decompression bombs, truncated and corrupt
// files, polyglots, SVG, a 300-frame GIF, CMYK, 16-bit, animated WebP, oversized EXIF, a
// malformed ICC profile, 1x1 and 10000x10. Each is refused with 400 ErrorInvalidImage and a
// message saying what was wrong, or stored as a complete, clean set; the server keeps serving and
// its memory stays bounded. Every file is made here, with sharp or by hand.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import sharp from 'sharp';
import { sidesForSquare } from '../../src/domain/photo-sizes.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness, type Reply } from '../support/harness.js';
import { handmadePng, near, noiseJpeg, pixel, RED, type Rgb, solid, solidJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let user: User;
let token: string;

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('hostile');
  user = await h.user(tenant, 'target');
  token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
});

after(() => h.close());

const put = (body: Buffer, type = 'image/jpeg') =>
  h.request('PUT', '/v1.0/me/photo/$value', { token, body, headers: { 'content-type': type } });

/** A JPEG's marker segments, with the offset of each one's length field. */
function* jpegSegments(bytes: Buffer): Generator<{ marker: number; at: number; length: number }> {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    const length = bytes.readUInt16BE(at + 2);
    yield { marker, at: at + 2, length };
    if (marker === 0xda) return; // scan data follows
    at += 2 + length;
  }
}

/** The same JPEG with its frame header claiming `width` x `height`: a decompression bomb. */
function jpegClaiming(bytes: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(bytes);
  for (const s of jpegSegments(out)) {
    if (s.marker >= 0xc0 && s.marker <= 0xc2) {
      out.writeUInt16BE(height, s.at + 3);
      out.writeUInt16BE(width, s.at + 5);
      return out;
    }
  }
  throw new Error('no frame header');
}

/** The JPEG with a marker segment (APPn) inserted after its start marker. */
function withSegment(bytes: Buffer, marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([bytes.subarray(0, 2), head, payload, bytes.subarray(2)]);
}

/** The bytes with `count` bytes at `from` (a share of the length) overwritten by a fixed pattern. */
function scribbled(bytes: Buffer, from: number, count: number): Buffer {
  const out = Buffer.from(bytes);
  const start = Math.floor(out.length * from);
  for (let i = 0; i < count && start + i < out.length; i++) out[start + i] = (i * 37 + 11) & 0xff;
  return out;
}

/**
 * An animation of `count` frames of `side` px: the first red, the others noise (frames that look
 * alike are merged by the encoders, and the file would not have as many).
 */
function frames(side: number, count: number) {
  const frame = side * side * 3;
  const raw = Buffer.alloc(frame * count);
  for (let i = 0; i < side * side; i++) raw.set(RED, i * 3);
  let seed = 12345;
  for (let i = frame; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    raw[i] = seed >>> 24;
  }
  return sharp(raw, { raw: { width: side, height: side * count, channels: 3, pageHeight: side } });
}

/** The fixture is what its case says it is (frames, colour space, bit depth), or the test is void. */
async function is(bytes: Buffer, expected: Partial<Record<'pages' | 'space' | 'depth', unknown>>) {
  const meta = await sharp(bytes).metadata();
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(meta[key as keyof typeof meta], value, `fixture ${key}`);
  }
  return bytes;
}

type Outcome =
  | { refused: RegExp }
  | {
      stored: { side: number; colour?: Rgb };
    };

interface Case {
  name: string;
  make: () => Promise<Buffer> | Buffer;
  type?: string;
  expect: Outcome;
}

const ICC_MAGIC = Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1');

const CASES: Case[] = [
  {
    name: 'PNG decompression bomb (60000x60000 header, one row of data)',
    make: () => handmadePng(60_000, 60_000, { rows: 1 }),
    type: 'image/png',
    expect: { refused: /3600 megapixels.*limit is 40 megapixels/ },
  },
  {
    name: 'JPEG decompression bomb (65000x65000 frame header on a 64x64 image)',
    make: async () => jpegClaiming(await solidJpeg(64, 64), 65_000, 65_000),
    expect: { refused: /4225 megapixels.*limit is 40 megapixels/ },
  },
  {
    name: 'PNG bomb within the pixel limit in its header but with 6000x6000 of zeros',
    make: () => handmadePng(6000, 6000),
    type: 'image/png',
    expect: { stored: { side: 648, colour: [0, 0, 0] } },
  },
  {
    name: 'truncated PNG (60%)',
    make: async () => {
      const whole = await solid(400, 400, RED).png({ compressionLevel: 0 }).toBuffer();
      return whole.subarray(0, Math.floor(whole.length * 0.6));
    },
    type: 'image/png',
    expect: { refused: /PNG image is truncated or corrupt/ },
  },
  {
    name: 'truncated WebP (50%)',
    make: async () => {
      const whole = await sharp(await noiseJpeg(300, 300))
        .webp()
        .toBuffer();
      return whole.subarray(0, Math.floor(whole.length * 0.5));
    },
    type: 'image/webp',
    expect: { refused: /WebP image is truncated or corrupt/ },
  },
  {
    name: 'truncated GIF (header and palette only)',
    make: async () => (await solid(100, 100, RED).gif().toBuffer()).subarray(0, 40),
    type: 'image/gif',
    expect: { refused: /GIF image is truncated or corrupt|not a valid one/ },
  },
  {
    name: 'JPEG with its frame header overwritten',
    make: async () => {
      const jpeg = await noiseJpeg(200, 200);
      const sof = [...jpegSegments(jpeg)].find((s) => s.marker === 0xc0)!;
      return scribbled(jpeg, sof.at / jpeg.length, 12);
    },
    expect: { refused: /JPEG image is truncated or corrupt|not a valid one/ },
  },
  {
    name: 'PNG with a corrupt IDAT (CRC and deflate data overwritten)',
    make: async () => scribbled(await solid(200, 200, RED).png().toBuffer(), 0.5, 64),
    type: 'image/png',
    expect: { refused: /PNG image is truncated or corrupt/ },
  },
  {
    name: 'polyglot: JPEG with a ZIP archive appended',
    make: async () =>
      Buffer.concat([
        await solidJpeg(120, 120, RED),
        Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00payload.js alert(1)', 'latin1'),
      ]),
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: 'polyglot: PNG with an HTML script in a text chunk',
    make: async () =>
      solid(96, 96, RED)
        .png()
        .withMetadata()
        .toBuffer()
        .then((png) => {
          // A tEXt chunk before IEND whose text is a script, as HTML/PNG polyglots carry it.
          const script = Buffer.from(
            'Comment\0<html><script>alert(document.cookie)</script></html>',
            'latin1',
          );
          const chunk = Buffer.alloc(12 + script.length);
          chunk.writeUInt32BE(script.length, 0);
          chunk.write('tEXt', 4, 'latin1');
          script.copy(chunk, 8);
          // A wrong CRC is what libpng forgives in ancillary chunks; the image still decodes.
          return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
        }),
    type: 'image/png',
    expect: { stored: { side: 96, colour: RED } },
  },
  {
    name: 'polyglot: HTML page with a JPEG after it',
    make: async () => Buffer.concat([Buffer.from('<html><body>hi</body></html>'), await solidJpeg(64, 64)]),
    expect: { refused: /HTML or XML text/ },
  },
  {
    name: 'SVG drawing',
    make: () =>
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>',
      ),
    type: 'image/svg+xml',
    expect: { refused: /SVG drawing, which is not accepted/ },
  },
  {
    name: 'SVG with an XML prolog and an external entity',
    make: () =>
      Buffer.from(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
          '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
      ),
    type: 'image/svg+xml',
    expect: { refused: /SVG drawing, which is not accepted/ },
  },
  {
    name: 'GIF of 300 frames (the first is used)',
    make: async () => is(await frames(64, 300).gif().toBuffer(), { pages: 300 }),
    type: 'image/gif',
    expect: { stored: { side: 64, colour: RED } },
  },
  {
    name: 'animated WebP of 40 frames (the first is used)',
    make: async () => is(await frames(128, 40).webp({ lossless: true }).toBuffer(), { pages: 40 }),
    type: 'image/webp',
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: 'CMYK JPEG',
    make: async () =>
      is(await solid(200, 200, RED).toColourspace('cmyk').jpeg().toBuffer(), { space: 'cmyk' }),
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: '16-bit PNG',
    make: async () =>
      is(await solid(200, 200, RED).toColourspace('rgb16').png().toBuffer(), { depth: 'ushort' }),
    type: 'image/png',
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: 'JPEG with a 64 KB EXIF block',
    make: async () =>
      sharp(await solidJpeg(200, 200, RED))
        .withExif({ IFD0: { ImageDescription: 'x'.repeat(60_000), Copyright: 'hostile' } })
        .jpeg()
        .toBuffer(),
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: 'JPEG with 60 APP1 segments (3.9 MB of metadata)',
    make: async () => {
      let jpeg: Buffer = await solidJpeg(200, 200, RED);
      const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.alloc(65_000, 0x41)]);
      for (let i = 0; i < 60; i++) jpeg = withSegment(jpeg, 0xe1, exif);
      return jpeg;
    },
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: 'JPEG with a malformed ICC profile (header claims 1 MB, 300 bytes of noise)',
    make: async () => {
      const profile = Buffer.alloc(300, 0x5a);
      profile.writeUInt32BE(1_000_000, 0);
      return withSegment(await solidJpeg(200, 200, RED), 0xe2, Buffer.concat([ICC_MAGIC, profile]));
    },
    expect: { stored: { side: 120, colour: RED } },
  },
  {
    name: '1x1 JPEG',
    make: () => solidJpeg(1, 1, RED),
    expect: { stored: { side: 1 } },
  },
  {
    name: '10000x10 PNG',
    make: () => solid(10_000, 10, RED).png().toBuffer(),
    type: 'image/png',
    expect: { stored: { side: 10 } },
  },
];

/** A stored set is complete and clean: every size, one ETag, JPEG without metadata, right pixels. */
async function assertCleanSet(reply: Reply, side: number, colour: Rgb | undefined, name: string) {
  const etag = reply.headers['etag'];
  const list = (await h.request('GET', '/v1.0/me/photos', { token })).json();
  const sides = sidesForSquare(side);
  assert.deepEqual(
    list.value.map((m: { width: number }) => m.width),
    sides,
    `${name}: sizes`,
  );
  for (const entry of list.value) {
    assert.equal(entry['@odata.mediaEtag'], etag, `${name}: ${entry.id} belongs to the new set`);
    const bytes = (await h.request('GET', `/v1.0/me/photos/${entry.id}/$value`, { token })).body;
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'jpeg', `${name}: ${entry.id} is a JPEG`);
    assert.equal(meta.width, entry.width, `${name}: ${entry.id} width`);
    assert.equal(meta.exif, undefined, `${name}: no EXIF kept`);
    assert.equal(meta.icc, undefined, `${name}: no ICC profile kept`);
    assert.equal(bytes.includes('<script'), false, `${name}: no script survives`);
    assert.equal(bytes.includes('PK\x03\x04'), false, `${name}: no archive survives`);
    if (colour) {
      const at = Math.floor(entry.width / 2);
      const got = await pixel(bytes, at, at);
      assert.ok(near(got, colour, 24), `${name}: ${entry.id} colour ${got} is near ${colour}`);
    }
  }
}

/** Peak resident memory while `work` runs, sampled every 10 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

const MB = 1024 * 1024;
const baseline = process.memoryUsage.rss();

for (const c of CASES) {
  it(`${c.name}: ${'refused' in c.expect ? 'refused with 400' : 'stored as a clean set'}`, async (t) => {
    const body = await c.make();
    const { result: reply, peak } = await peakRss(() => put(body, c.type));
    t.diagnostic(`${body.length} bytes -> ${reply.status}; peak RSS ${Math.round(peak / MB)} MB`);
    if ('refused' in c.expect) {
      assert.equal(reply.status, 400, `${c.name}: ${reply.body.toString().slice(0, 300)}`);
      assert.equal(reply.json().error.code, 'ErrorInvalidImage');
      assert.match(reply.json().error.message, c.expect.refused);
    } else {
      assert.equal(reply.status, 200, `${c.name}: ${reply.body.toString().slice(0, 300)}`);
      await assertCleanSet(reply, c.expect.stored.side, c.expect.stored.colour, c.name);
    }
    // Memory bounded: no case takes the process anywhere near a decoded bomb (60000² x 3 bytes).
    assert.ok(peak - baseline < 600 * MB, `${c.name}: RSS grew by ${Math.round((peak - baseline) / MB)} MB`);
    // And the server keeps serving.
    assert.equal((await h.request('GET', '/healthz')).status, 200);
  });
}

it('after every hostile image, a normal upload is stored', async () => {
  const reply = await put(await solidJpeg(300, 300, RED));
  assert.equal(reply.status, 200);
  await assertCleanSet(reply, 300, RED, 'normal upload');
});
