// The demo tenant's pictures (SPEC §1): a painted head-and-shoulders portrait for a person and a
// landscape for a team, drawn from a hash of the name (so the same every time, and different for
// each) with a film grain over them. They must look like photos at a glance: the consoles show
// initials where there is no photo, and a demo photo must never be taken for that.
import { createHash } from 'node:crypto';
import sharp from 'sharp';

const SIDE = 648;

/** A stream of numbers in [0, 1) seeded by the name (mulberry32 over the SHA-256's first word). */
function randomFor(name: string): () => number {
  let state = createHash('sha256').update(name).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(h)},${Math.round(s)}%,${Math.round(l)}%)`;

const SKIN = ['#f1c7a5', '#e0ac83', '#c68b62', '#a5694a', '#7d4a32', '#5a3422'];
const HAIR = ['#1f1a17', '#3b2a20', '#6b4a2f', '#a5773f', '#d6b36a', '#8c8c8c', '#7a2e1d'];

/** Out-of-focus lights behind the subject, as a portrait lens leaves them. */
function bokeh(random: () => number, hue: number): string {
  return Array.from({ length: 14 }, () => {
    const r = 20 + random() * 60;
    return (
      `<circle cx="${Math.round(random() * SIDE)}" cy="${Math.round(random() * SIDE * 0.7)}" r="${Math.round(r)}" ` +
      `fill="${hsl(hue + random() * 60 - 30, 70, 80)}" opacity="${(0.12 + random() * 0.2).toFixed(2)}"/>`
    );
  }).join('');
}

/** A person: background, shoulders in a shirt, neck, face with eyes and mouth, hair. */
export function demoPortraitSvg(name: string): string {
  const random = randomFor(name);
  const hue = random() * 360;
  const skin = pick(random, SKIN);
  const hair = pick(random, HAIR);
  const shirt = hsl(random() * 360, 35 + random() * 30, 30 + random() * 25);
  const long = random() < 0.5;
  const faceWidth = 104 + random() * 18;
  const lift = Math.round(random() * 20);
  const hairBack = long
    ? `<path d="M${324 - faceWidth - 26} ${250 - lift} Q324 ${70 - lift} ${324 + faceWidth + 26} ${250 - lift} L${324 + faceWidth + 40} 470 L${324 - faceWidth - 40} 470 Z" fill="${hair}"/>`
    : '';
  // The hair over the crown: up from one temple to above the head and down to the other (a
  // quadratic curve peaks halfway to its control point), back along the brow, parted off-centre.
  const faceHeight = faceWidth * 1.28;
  const [left, right, temple] = [324 - faceWidth - 8, 324 + faceWidth + 8, 262 - lift];
  const crown = (4 * (280 - faceHeight - 14) - 2 * temple) / 2;
  const brow = (4 * (280 - faceHeight * 0.45) - 2 * temple) / 2;
  const fringe =
    `<path d="M${left} ${temple} Q324 ${Math.round(crown)} ${right} ${temple} ` +
    `Q${Math.round(260 + random() * 130)} ${Math.round(brow)} ${left} ${temple} Z" fill="${hair}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}" viewBox="0 0 ${SIDE} ${SIDE}">` +
    '<defs>' +
    `<linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${hsl(hue, 45, 62)}"/>` +
    `<stop offset="1" stop-color="${hsl(hue + 50, 40, 28)}"/></linearGradient>` +
    '<radialGradient id="light" cx="0.4" cy="0.35" r="0.7"><stop offset="0" stop-color="#fff" stop-opacity="0.35"/>' +
    '<stop offset="1" stop-color="#000" stop-opacity="0.25"/></radialGradient>' +
    '<radialGradient id="vignette" cx="0.5" cy="0.45" r="0.75"><stop offset="0.6" stop-color="#000" stop-opacity="0"/>' +
    '<stop offset="1" stop-color="#000" stop-opacity="0.45"/></radialGradient>' +
    '</defs>' +
    `<rect width="${SIDE}" height="${SIDE}" fill="url(#bg)"/>${bokeh(random, hue)}` +
    hairBack +
    `<path d="M40 ${SIDE} C60 500 170 455 324 455 C478 455 588 500 608 ${SIDE} Z" fill="${shirt}"/>` +
    `<path d="M40 ${SIDE} C60 500 170 455 324 455 C478 455 588 500 608 ${SIDE} Z" fill="url(#light)"/>` +
    `<rect x="284" y="360" width="80" height="110" rx="30" fill="${skin}"/>` +
    `<ellipse cx="324" cy="280" rx="${faceWidth}" ry="${faceHeight}" fill="${skin}"/>` +
    `<ellipse cx="324" cy="280" rx="${faceWidth}" ry="${faceHeight}" fill="url(#light)"/>` +
    `<ellipse cx="${324 - faceWidth * 0.38}" cy="275" rx="10" ry="7" fill="#2b211c"/>` +
    `<ellipse cx="${324 + faceWidth * 0.38}" cy="275" rx="10" ry="7" fill="#2b211c"/>` +
    `<path d="M${324 - 30} 345 Q324 ${362 + random() * 10} ${324 + 30} 345" stroke="#7a3b32" stroke-width="6" fill="none" stroke-linecap="round"/>` +
    fringe +
    `<rect width="${SIDE}" height="${SIDE}" fill="url(#vignette)"/></svg>`
  );
}

/** A team: sky, sun and ranges of hills, each range a shade darker. */
export function demoLandscapeSvg(name: string): string {
  const random = randomFor(name);
  const hue = random() * 360;
  // Each range lighter at its ridge than at its foot, as haze makes it.
  const shades = Array.from(
    { length: 4 },
    (_, i) =>
      `<linearGradient id="range${i}" x1="0" y1="0" x2="0.2" y2="1"><stop offset="0" stop-color="${hsl(hue + 140, 30, 55 - i * 9)}"/>` +
      `<stop offset="1" stop-color="${hsl(hue + 160, 35, 30 - i * 6)}"/></linearGradient>`,
  ).join('');
  const ranges = Array.from({ length: 4 }, (_, i) => {
    const base = 330 + i * 80;
    const points = Array.from({ length: 7 }, (__, k) => `${k * 108},${Math.round(base - random() * 120)}`);
    return `<polygon points="0,${SIDE} ${points.join(' ')} ${SIDE},${SIDE}" fill="url(#range${i})"/>`;
  }).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}" viewBox="0 0 ${SIDE} ${SIDE}">` +
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(hue, 60, 45)}"/>` +
    `<stop offset="1" stop-color="${hsl(hue + 30, 80, 82)}"/></linearGradient>${shades}</defs>` +
    `<rect width="${SIDE}" height="${SIDE}" fill="url(#sky)"/>` +
    `<circle cx="${Math.round(150 + random() * 350)}" cy="${Math.round(150 + random() * 80)}" r="70" fill="#fff6d5" opacity="0.9"/>` +
    `${ranges}</svg>`
  );
}

/** An SVG rendered by libvips with a grain as film or a sensor gives, seeded by the name: PNG bytes. */
export async function renderDemoPhoto(svg: string, name: string): Promise<Buffer> {
  const random = randomFor(`${name}/grain`);
  const grain = Buffer.alloc(SIDE * SIDE * 4);
  for (let i = 0; i < grain.length; i += 4) {
    const level = Math.round(random() * 255);
    grain.fill(level, i, i + 3);
    grain[i + 3] = 22;
  }
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, raw: { width: SIDE, height: SIDE, channels: 4 } }])
    .png()
    .toBuffer();
}
