// Photo sizes as Graph names them (SPEC §2, §4): the HD sizes of Microsoft 365 and the `WxH` ids.

/** The supported sizes of HD photos on Microsoft 365, smallest first. */
export const STANDARD_SIZES = [48, 64, 96, 120, 240, 360, 432, 504, 648] as const;

export const SMALLEST_STANDARD_SIZE = STANDARD_SIZES[0];

export interface PhotoSize {
  width: number;
  height: number;
}

/** Graph's id for a size: `240X240` (upper-case X, as the service returns it). */
export const sizeId = (size: PhotoSize): string => `${size.width}X${size.height}`;

/** `48x48`, `48X48` → {48, 48}; anything else → undefined. */
export function parseSizeSegment(segment: string): PhotoSize | undefined {
  const match = /^(\d{1,4})x(\d{1,4})$/i.exec(segment);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * The square sides produced from a centre-cropped square of `side` pixels: every standard size not
 * larger than it, or the square itself when it is under the smallest standard size ("any dimension").
 */
export function sidesForSquare(side: number): number[] {
  if (side < SMALLEST_STANDARD_SIZE) return [side];
  return STANDARD_SIZES.filter((s) => s <= side);
}
