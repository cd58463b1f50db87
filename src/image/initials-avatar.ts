// An initials avatar as SVG: the avatar endpoint's d=initials.
import { createHash } from 'node:crypto';

const PALETTE = ['#0078d4', '#8764b8', '#038387', '#ca5010', '#498205', '#c239b3', '#4f6bed', '#986f0b'];

export function initials(displayName: string): string {
  const words = displayName.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words.at(-1)!] : words.slice(0, 1);
  return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** A square SVG of `size` pixels: the initials on a colour picked stably from the name. */
export function initialsSvg(displayName: string, size: number): string {
  const colour = PALETTE[createHash('sha256').update(displayName).digest()[0]! % PALETTE.length];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="${colour}"/>` +
    `<text x="50" y="50" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" ` +
    `font-size="40" fill="#ffffff">${escapeXml(initials(displayName))}</text></svg>`
  );
}
