// The frame every page shares: skip link, header with navigation and the signed-in person, and
// the page for the current path. Finishing a sign-in (the browser is back from the sign-in page
// with a code) happens here, once, when the app starts.
import { useEffect, useState } from 'preact/hooks';
import { useAccessToken } from '../api.ts';
import { PermissionList } from '../explorer/PermissionList.tsx';
import { PermissionPage } from '../explorer/PermissionPage.tsx';
import { readable } from '../problems.ts';
import { followLink, navigate, useLocation } from '../router.ts';
import { completeSignIn, type Session } from '../session.ts';
import { BulkImport } from './BulkImport.tsx';
import { Directory } from './Directory.tsx';
import { MyPhoto } from './MyPhoto.tsx';
import { SignIn } from './SignIn.tsx';
import { Problem } from './Problem.tsx';

const NAVIGATION = [
  ['/', 'My photo'],
  ['/directory', 'Directory'],
  ['/import', 'Bulk import'],
  ['/explorer', 'Permissions explorer'],
] as const;

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [starting, setStarting] = useState(true);
  const [problem, setProblem] = useState('');
  const here = useLocation();

  useEffect(() => {
    completeSignIn()
      .then((done) => {
        if (!done) return;
        useAccessToken(done.session.accessToken);
        setSession(done.session);
        navigate(done.returnTo, { replace: true });
      })
      .catch((error: unknown) => {
        setProblem(`Signing in did not work: ${readable(error)}`);
        navigate('/', { replace: true });
      })
      .finally(() => setStarting(false));
  }, []);

  // Tokens last an hour and are never refreshed: sign out when this one ends.
  useEffect(() => {
    if (!session) return undefined;
    const timer = setTimeout(signOut, Math.max(0, session.expiresAt * 1000 - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  function signOut() {
    useAccessToken(undefined);
    setSession(null);
    navigate('/');
  }

  const section = here.path.startsWith('/explorer') ? '/explorer' : here.path;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: delegates link clicks, which keyboards trigger as clicks too.
    <div class="app" onClick={(event) => followLink(event)}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="masthead">
        <a class="brand" href="/">
          Portrait
        </a>
        <nav aria-label="Main">
          <ul class="nav-list">
            {NAVIGATION.map(([path, label]) => (
              <li key={path}>
                <a href={path} aria-current={section === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {session && (
          <div class="who">
            <span>{session.user.name || session.user.username}</span>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Problem text={problem} />
        {starting ? <p aria-busy="true">Loading…</p> : <Page path={here.path} session={session} />}
      </main>
    </div>
  );
}

function Page({ path, session }: { path: string; session: Session | null }) {
  if (path === '/explorer') return <PermissionList />;
  if (path.startsWith('/explorer/')) {
    return <PermissionPage name={decodeURIComponent(path.slice('/explorer/'.length))} session={session} />;
  }
  if (!['/', '/directory', '/import'].includes(path)) {
    return (
      <section>
        <h1>Not found</h1>
        <p>
          There is no page at {path}. <a href="/">Go to your photo</a>.
        </p>
      </section>
    );
  }
  if (!session) return <SignIn returnTo={path} />;
  if (path === '/directory') return <Directory session={session} />;
  if (path === '/import') return <BulkImport />;
  return <MyPhoto session={session} />;
}
