// Recognises a JPEG already in the form Portrait stores: baseline, three components, and nothing
// but the segments an encoder needs (no APPn, no comment, no trailing bytes). Such a file carries
// no metadata to strip, so the pipeline may keep its bytes as they are; that is what makes an
// exported photo import back byte for byte (README, "Bulk photo tooling").

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const SOF0 = 0xc0;
/** Quantisation and Huffman tables, restart interval: what a baseline decoder needs besides SOF0 and SOS. */
const TABLES = new Set([0xdb, 0xc4, 0xdd]);

const isRestart = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

/** The offset of the marker that ends the entropy-coded data starting at `at`, or -1. */
function endOfScan(bytes: Buffer, at: number): number {
  for (let i = at; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1]!;
    // 0xFF00 is a stuffed data byte; restart markers sit inside the scan.
    if (next !== 0x00 && !isRestart(next)) return i;
  }
  return -1;
}

export function isStoredFormJpeg(bytes: Buffer): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return false;
  let at = 2;
  let frames = 0;
  let scans = 0;
  while (at + 2 <= bytes.length) {
    if (bytes[at] !== 0xff) return false;
    const marker = bytes[at + 1]!;
    if (marker === EOI) return at + 2 === bytes.length && frames === 1 && scans === 1;
    if (at + 4 > bytes.length) return false;
    const length = bytes.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) return false;
    if (marker === SOF0) {
      // Precision 8, then height, width, and the number of components at offset 7.
      if (++frames > 1 || length < 8 || bytes[at + 9] !== 3) return false;
      at = end;
    } else if (marker === SOS) {
      if (++scans > 1) return false;
      at = endOfScan(bytes, end);
      if (at === -1) return false;
    } else if (TABLES.has(marker)) {
      at = end;
    } else {
      return false;
    }
  }
  return false;
}
