// Choosing a new photo: pick or drop a file, crop it square, upload with a progress bar.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Owner } from '../api.ts';
import { readable } from '../problems.ts';
import { type Crop, cropToJpeg, initialCrop, PhotoCropper } from './PhotoCropper.tsx';

export function PhotoEditor(props: { owner: Owner; label: string; onUploaded: () => void }) {
  const { owner, label, onUploaded } = props;
  const [image, setImage] = useState<ImageBitmap | null>(null);
  const [crop, setCrop] = useState<Crop | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [problem, setProblem] = useState('');
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = `file-${owner.kind}-${'id' in owner ? owner.id : 'me'}`;

  useEffect(() => () => image?.close(), [image]);

  async function choose(file: File | undefined) {
    setProblem('');
    setStatus('');
    if (!file) return;
    try {
      const bitmap = await createImageBitmap(file);
      setImage(bitmap);
      setCrop(initialCrop(bitmap));
    } catch {
      setImage(null);
      setProblem(`${file.name} is not a picture this browser can open.`);
    }
  }

  async function upload() {
    if (!image || !crop) return;
    setProblem('');
    setProgress(0);
    try {
      await api.uploadPhoto(owner, await cropToJpeg(image, crop), setProgress);
      setStatus('Photo uploaded.');
      setImage(null);
      if (input.current) input.current.value = '';
      onUploaded();
    } catch (error) {
      setProblem(readable(error));
    } finally {
      setProgress(null);
    }
  }

  return (
    <div class="editor">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; keyboards use the file input inside. */}
      <div
        class={over ? 'drop-zone over' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          void choose(event.dataTransfer?.files[0]);
        }}
      >
        <label for={id}>{label}</label>
        <input
          ref={input}
          id={id}
          type="file"
          accept="image/*"
          onChange={(event) => void choose((event.target as HTMLInputElement).files?.[0])}
        />
        <p class="hint">or drop a picture here</p>
      </div>
      {image && crop && (
        <>
          <PhotoCropper image={image} crop={crop} onChange={setCrop} />
          <div class="actions">
            <button type="button" onClick={upload} disabled={progress !== null}>
              Upload photo
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setImage(null);
                if (input.current) input.current.value = '';
              }}
            >
              Cancel
            </button>
          </div>
        </>
      )}
      {progress !== null && (
        <label class="progress">
          Uploading
          <progress max={1} value={progress} />
        </label>
      )}
      <p role="status" class="status">
        {status}
      </p>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
