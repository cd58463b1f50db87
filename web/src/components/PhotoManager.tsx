// One owner's photo: the sizes there are, a new one, or removing it (after asking). Upload and
// delete are offered only to people who may use them; the others are told who may, and why.
import { useEffect, useState } from 'preact/hooks';
import { api, type Owner, type PhotoSize } from '../api.ts';
import { type PhotoRights, photoRights, refusals } from '../photo-rights.ts';
import { readable } from '../problems.ts';
import type { Session } from '../session.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { PhotoEditor } from './PhotoEditor.tsx';
import { SizeStrip } from './SizeStrip.tsx';
import { Problem } from './Problem.tsx';

export function PhotoManager(props: {
  session: Session;
  owner: Owner;
  name: string;
  onChanged?: () => void;
}) {
  const { session, owner, name, onChanged } = props;
  const { sizes, problem, reload } = usePhotoSizes(owner);
  const rights = usePhotoRights(session, owner);
  const reasons = rights && sizes ? refusals(owner, rights, sizes.length > 0) : [];
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
      {sizes && sizes.length > 0 && rights?.delete.allowed && (
        <button type="button" class="danger" onClick={() => setAsking(true)}>
          Delete photo
        </button>
      )}
      <p role="status" class="status">
        {status}
      </p>
      <Problem text={deleteProblem} />
      {reasons.map((reason) => (
        <p key={reason} class="notice">
          {reason}
        </p>
      ))}
      {rights?.upload.allowed && (
        <>
          <h2>New photo</h2>
          <PhotoEditor owner={owner} label={`Choose a picture for ${name}`} onUploaded={changed} />
        </>
      )}
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

/** What the signed-in person may do to the photo; `null` until known. */
function usePhotoRights(session: Session, owner: Owner): PhotoRights | null {
  const [rights, setRights] = useState<PhotoRights | null>(null);
  useEffect(() => {
    // The previous answer stays until the new one comes: the directory reloads its rows (and so
    // gives the same owner anew) after every change, and the editor's status must stay on screen.
    let alive = true;
    photoRights(session, owner)
      // Not known (the owners could not be read): offer the controls, and let the server decide.
      .catch((): PhotoRights => ({ upload: { allowed: true }, delete: { allowed: true } }))
      .then((found) => alive && setRights(found));
    return () => {
      alive = false;
    };
  }, [session, owner]);
  return rights;
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
