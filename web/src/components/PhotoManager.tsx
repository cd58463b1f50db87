// One owner's photo: the sizes there are, a new one, or removing it (after asking).
import { useEffect, useState } from 'preact/hooks';
import { api, type Owner, type PhotoSize } from '../api.ts';
import { readable } from '../problems.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { PhotoEditor } from './PhotoEditor.tsx';
import { SizeStrip } from './SizeStrip.tsx';
import { Problem } from './Problem.tsx';

export function PhotoManager(props: { owner: Owner; name: string; onChanged?: () => void }) {
  const { owner, name, onChanged } = props;
  const { sizes, problem, reload } = usePhotoSizes(owner);
  const [asking, setAsking] = useState(false);
  const [status, setStatus] = useState('');
  const [deleteProblem, setDeleteProblem] = useState('');
  const changed = () => {
    reload();
    onChanged?.();
  };

  async function remove(yes: boolean) {
    setAsking(false);
    if (!yes) return;
    setDeleteProblem('');
    try {
      await api.deletePhoto(owner);
      setStatus('Photo deleted.');
      changed();
    } catch (error) {
      setDeleteProblem(readable(error));
    }
  }

  return (
    <div class="photo-manager">
      <h2>Current photo</h2>
      {sizes === null ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <SizeStrip owner={owner} sizes={sizes} name={name} />
      )}
      <Problem text={problem} />
      {sizes && sizes.length > 0 && (
        <button type="button" class="danger" onClick={() => setAsking(true)}>
          Delete photo
        </button>
      )}
      <p role="status" class="status">
        {status}
      </p>
      <Problem text={deleteProblem} />
      <h2>New photo</h2>
      <PhotoEditor owner={owner} label={`Choose a picture for ${name}`} onUploaded={changed} />
      <ConfirmDialog
        open={asking}
        title="Delete this photo?"
        message={`Every size of ${name}'s photo will be removed. This cannot be undone.`}
        confirm="Delete"
        onAnswer={remove}
      />
    </div>
  );
}

/** Loads an owner's sizes, again after each change; `null` while loading. */
export function usePhotoSizes(owner: Owner): {
  sizes: PhotoSize[] | null;
  problem: string;
  reload: () => void;
} {
  const [sizes, setSizes] = useState<PhotoSize[] | null>(null);
  const [problem, setProblem] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let alive = true;
    setProblem('');
    api
      .photoSizes(owner)
      .then((found) => alive && setSizes(found))
      .catch((error: unknown) => {
        if (!alive) return;
        setSizes([]);
        setProblem(readable(error));
      });
    return () => {
      alive = false;
    };
  }, [owner, version]);
  return { sizes, problem, reload: () => setVersion((v) => v + 1) };
}
