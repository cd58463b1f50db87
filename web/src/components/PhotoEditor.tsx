// Choosing a new photo: pick or drop a file, crop it square, upload with a progress bar.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Owner } from '../api.ts';
import { readable } from '../problems.ts';
import { DropZone } from './DropZone.tsx';
import { type Crop, cropToJpeg, initialCrop, PhotoCropper } from './PhotoCropper.tsx';
import { Problem } from './Problem.tsx';

export function PhotoEditor(props: { owner: Owner; label: string; onUploaded: () => void }) {
  const { owner, label, onUploaded } = props;
  const [image, setImage] = useState<ImageBitmap | null>(null);
  const [crop, setCrop] = useState<Crop | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [problem, setProblem] = useState('');
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
      <DropZone
        id={id}
        label={label}
        hint="or drop a picture here"
        inputRef={input}
        onFiles={(files) => void choose(files[0])}
      />
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
      <Problem text={problem} />
    </div>
  );
}
