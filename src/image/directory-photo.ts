// The photo a directory sync writes back to an entry (SPEC §13): a JPEG of at most 100 KB, the
// most Active Directory's thumbnailPhoto holds, so Outlook and everything else reading the
// directory shows it.
import sharp from 'sharp';

/** Active Directory's limit for thumbnailPhoto, and the most written to any attribute. */
export const DIRECTORY_PHOTO_MAX_BYTES = 100 * 1024;

/**
 * `jpeg` (a stored size, already a JPEG) as it is when it fits in `maxBytes`; otherwise encoded
 * again at falling quality until it does.
 */
export async function jpegWithin(jpeg: Buffer, maxBytes = DIRECTORY_PHOTO_MAX_BYTES): Promise<Buffer> {
  if (jpeg.length <= maxBytes) return jpeg;
  for (const quality of [80, 65, 50, 35, 20]) {
    const smaller = await sharp(jpeg).jpeg({ quality, mozjpeg: true }).toBuffer();
    if (smaller.length <= maxBytes) return smaller;
  }
  return sharp(jpeg).resize(96, 96, { fit: 'inside' }).jpeg({ quality: 50 }).toBuffer();
}
