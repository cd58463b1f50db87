// A square crop of a picture, moved by dragging or the arrow keys and zoomed with the slider,
// the mouse wheel or + and −. The crop is in the picture's own pixels; the preview shows it with
// the circle most apps draw profile photos in, and the hint which sizes the server will make of it.
import { useEffect, useRef } from 'preact/hooks';
import { STANDARD_SIZES, sidesForSquare } from '../../../src/domain/photo-sizes.ts';

/** A square of the source picture, in its pixels. */
export interface Crop {
  x: number;
  y: number;
  side: number;
}

const PREVIEW = 256;
const MAX_ZOOM = 4;

/** The largest centred square: where a crop starts. */
export const initialCrop = (image: ImageBitmap): Crop => {
  const side = Math.min(image.width, image.height);
  return { x: (image.width - side) / 2, y: (image.height - side) / 2, side };
};

/** Keeps a crop square inside the picture and between 1× and MAX_ZOOM×. */
function clamp(image: ImageBitmap, crop: Crop): Crop {
  const largest = Math.min(image.width, image.height);
  const side = Math.min(largest, Math.max(largest / MAX_ZOOM, crop.side));
  return {
    side,
    x: Math.min(image.width - side, Math.max(0, crop.x)),
    y: Math.min(image.height - side, Math.max(0, crop.y)),
  };
}

/** The side of the JPEG a crop is uploaded as: at most 1024 pixels (the server keeps up to 648). */
const uploadedSide = (crop: Crop) => Math.max(1, Math.round(Math.min(crop.side, 1024)));

/**
 * What the server will make of a crop, in words, from the size list its pipeline uses; `picture`
 * is the largest crop the picture allows (zoomed out fully).
 */
export function sizesHint(crop: Crop, picture: number): string {
  const sides = sidesForSquare(uploadedSide(crop));
  const [smallest, largest] = [STANDARD_SIZES[0], STANDARD_SIZES.at(-1)!];
  if (sides.length === STANDARD_SIZES.length) return `It gives every size, ${smallest} to ${largest} pixels.`;
  const more = sidesForSquare(uploadedSide({ ...crop, side: picture })).length > sides.length;
  const missing = STANDARD_SIZES.filter((s) => !sides.includes(s));
  const not = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} or ${missing.at(-1)}` : missing[0];
  const gives =
    sides[0]! < smallest
      ? `It gives one size, ${sides[0]} × ${sides[0]}, not the standard sizes from ${smallest} pixels up, which need a crop at least that large`
      : `It gives ${sides.length === 1 ? `the size ${smallest}` : `the sizes ${smallest} to ${sides.at(-1)}`} ` +
        `but not ${not}, which need a crop at least that large`;
  return `${gives}: ${more ? 'zoom out for them.' : 'the picture is too small for them.'}`;
}

/** The cropped square as a JPEG, at most 1024 pixels a side (the server keeps up to 648). */
export function cropToJpeg(image: ImageBitmap, crop: Crop): Promise<Blob> {
  const side = uploadedSide(crop);
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, side, side);
  context.drawImage(image, crop.x, crop.y, crop.side, crop.side, 0, 0, side, side);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('The crop could not be encoded.'))),
      'image/jpeg',
      0.92,
    ),
  );
}

export function PhotoCropper(props: { image: ImageBitmap; crop: Crop; onChange: (crop: Crop) => void }) {
  const { image, crop, onChange } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; crop: Crop } | null>(null);
  const largest = Math.min(image.width, image.height);
  const zoom = largest / crop.side;
  const change = (next: Crop) => onChange(clamp(image, next));
  const zoomTo = (value: number) => {
    const side = largest / Math.min(MAX_ZOOM, Math.max(1, value));
    change({ x: crop.x + (crop.side - side) / 2, y: crop.y + (crop.side - side) / 2, side });
  };

  useEffect(() => {
    const element = canvas.current!;
    const scale = window.devicePixelRatio || 1;
    element.width = PREVIEW * scale;
    element.height = PREVIEW * scale;
    const context = element.getContext('2d')!;
    context.drawImage(image, crop.x, crop.y, crop.side, crop.side, 0, 0, element.width, element.height);
    // Shade what a round avatar leaves out.
    context.fillStyle = 'rgba(0, 0, 0, 0.45)';
    context.beginPath();
    context.rect(0, 0, element.width, element.height);
    context.arc(element.width / 2, element.height / 2, element.width / 2, 0, Math.PI * 2, true);
    context.fill();
  }, [image, crop]);

  const onKey = (event: KeyboardEvent) => {
    const step = crop.side * 0.05;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key]!;
      change({ ...crop, x: crop.x + dx, y: crop.y + dy });
    } else if (event.key === '+' || event.key === '=') zoomTo(zoom * 1.1);
    else if (event.key === '-' || event.key === '−') zoomTo(zoom / 1.1);
    else return;
    event.preventDefault();
  };

  return (
    <div class="cropper">
      <canvas
        ref={canvas}
        class="crop-preview"
        tabIndex={0}
        role="img"
        aria-label="Crop preview. Drag, or use the arrow keys, to move the picture; + and − zoom."
        onKeyDown={onKey}
        onPointerDown={(event) => {
          (event.target as HTMLCanvasElement).setPointerCapture(event.pointerId);
          drag.current = { x: event.clientX, y: event.clientY, crop };
        }}
        onPointerMove={(event) => {
          const start = drag.current;
          if (!start) return;
          const perPixel = start.crop.side / PREVIEW;
          change({
            ...start.crop,
            x: start.crop.x - (event.clientX - start.x) * perPixel,
            y: start.crop.y - (event.clientY - start.y) * perPixel,
          });
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
        onWheel={(event) => {
          event.preventDefault();
          zoomTo(zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1));
        }}
      />
      <label class="zoom">
        Zoom
        <input
          type="range"
          min="1"
          max={String(MAX_ZOOM)}
          step="0.05"
          value={String(zoom)}
          onInput={(event) => zoomTo(Number((event.target as HTMLInputElement).value))}
        />
      </label>
      <p class="hint crop-sizes">
        The crop is {Math.round(crop.side)} × {Math.round(crop.side)} pixels of the {image.width} ×{' '}
        {image.height} picture. {sizesHint(crop, largest)}
      </p>
    </div>
  );
}
