// Your own photo: every size there is, a new one cropped and uploaded, or none.
import { useEffect } from 'preact/hooks';
import type { Owner } from '../api.ts';
import type { Session } from '../session.ts';
import { PhotoManager } from './PhotoManager.tsx';

const ME: Owner = { kind: 'me' };

export function MyPhoto({ session }: { session: Session }) {
  useEffect(() => {
    document.title = 'My photo · Portrait';
  }, []);
  return (
    <section aria-labelledby="my-photo-title">
      <h1 id="my-photo-title">My photo</h1>
      <p>
        Signed in as <strong>{session.user.name}</strong> ({session.user.username}) in {session.tenant}.
      </p>
      <PhotoManager session={session} owner={ME} name={session.user.name || 'Your photo'} />
    </section>
  );
}
