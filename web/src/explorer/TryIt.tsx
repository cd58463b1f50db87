// "Try it": runs one GET of the explorer against the live API and shows what came back — status,
// headers, and the photo or the JSON. Delegated methods run with the signed-in token, app-only
// ones with an app's token (app-token.ts). Each `{id}` offers the ids its collection lists.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { readable } from '../problems.ts';
import type { Session } from '../session.ts';
import { Problem } from '../components/Problem.tsx';
import { IdPicker } from './IdPicker.tsx';

/** The `{…}` parts of a method line's path, in order. */
const placeholders = (path: string) => [...path.matchAll(/\{[^}]+\}/g)].map((m) => m[0]);

const USER_KEY = '{id | userPrincipalName}';

function defaultValue(name: string, session: Session | null): string {
  if (name === USER_KEY) return session?.user.username ?? '';
  if (name === '{size}') return '48x48';
  return '';
}

/** What a placeholder takes, said beside it. */
function hint(name: string, session: Session | null): string {
  if (name === USER_KEY) {
    return session
      ? "A user's id or userPrincipalName, as Graph takes either; yours is filled in."
      : "A user's id or userPrincipalName, as Graph takes either.";
  }
  if (name === '{size}')
    return 'One of 48x48, 64x64, 96x96, 120x120, 240x240, 360x360, 432x432, 504x504, 648x648.';
  return '';
}

/**
 * The collection whose ids a placeholder takes: the path before it, with the values given so
 * far (`/me/contactfolders/{contactFolderId}` → `/me/contactfolders`). Groups and teams are the
 * signed-in person's own, as Graph lists them; a user needs no list (Graph takes a name), nor a
 * size. Undefined where there is nothing to offer or a value before it is still empty.
 */
function collectionOf(
  path: string,
  names: string[],
  values: string[],
  index: number,
  signedIn: boolean,
): { path: string; shown: string; teams: boolean } | undefined {
  const name = names[index]!;
  if (name === USER_KEY || name === '{size}') return undefined;
  let at = 0;
  for (let i = 0; i < index; i++) at = path.indexOf(names[i]!, at) + names[i]!.length;
  const prefix = path.slice(0, path.indexOf(name, at)).replace(/\/$/, '');
  if (prefix === '/groups' || prefix === '/teams') {
    // Graph has no list of teams but the groups that are teams; an app has no `/me`.
    const groups = signedIn ? '/me/joinedGroups' : '/groups';
    return { path: groups, shown: groups, teams: prefix === '/teams' };
  }
  let filled = prefix;
  let shown = prefix;
  for (let i = 0; i < index; i++) {
    const value = values[i]!.trim();
    if (!value) return undefined;
    filled = filled.replace(names[i]!, encodeURIComponent(value));
    shown = shown.replace(names[i]!, value);
  }
  return { path: filled, shown, teams: false };
}

export function TryIt(props: {
  line: string;
  version: 'v1.0' | 'beta';
  session: Session | null;
  /** An app's token: the method is tried as that app, not as the signed-in person. */
  appToken?: string;
}) {
  const { line, version, session, appToken } = props;
  const path = line.slice(line.indexOf(' ') + 1);
  const names = placeholders(path);
  const [values, setValues] = useState<string[]>(() => names.map((n) => defaultValue(n, session)));
  const [result, setResult] = useState<Awaited<ReturnType<typeof api.tryGet>> | null>(null);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => () => void (result?.image && URL.revokeObjectURL(result.image)), [result]);

  async function run(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    let filled = path;
    names.forEach((name, i) => {
      filled = filled.replace(name, encodeURIComponent(values[i]!.trim()));
    });
    try {
      setResult(await api.tryGet(`/${version}${filled}`, appToken));
    } catch (error) {
      setProblem(readable(error));
    } finally {
      setBusy(false);
    }
  }

  const setValue = (i: number, value: string) => {
    const next = [...values];
    next[i] = value;
    setValues(next);
  };
  const id = (i: number) => `try-${version}-${line.replace(/\W+/g, '-')}-${i}`;
  return (
    <div class="try-it">
      <form onSubmit={run}>
        {names.map((name, i) => {
          const collection = collectionOf(path, names, values, i, session !== null);
          const said = hint(name, session);
          return (
            <div class="field" key={name + i}>
              <label for={id(i)}>{name}</label>
              <input
                id={id(i)}
                required
                value={values[i]}
                aria-describedby={said ? `${id(i)}-hint` : undefined}
                onInput={(event) => setValue(i, (event.target as HTMLInputElement).value)}
              />
              {said && (
                <p id={`${id(i)}-hint`} class="hint">
                  {said}
                </p>
              )}
              {collection && (
                <IdPicker
                  id={`${id(i)}-pick`}
                  source={`/${version}${collection.path}`}
                  shown={`/${version}${collection.shown}`}
                  teamsOnly={collection.teams}
                  // Listed with the person's sign-in where there is one: their groups and contacts.
                  token={session ? undefined : appToken}
                  value={values[i]!}
                  onPick={(value) => setValue(i, value)}
                />
              )}
            </div>
          );
        })}
        <button type="submit" disabled={busy}>
          Run GET
        </button>
      </form>
      <Problem text={problem} />
      {result && (
        <div class="response" aria-live="polite">
          <p class="status-line">
            Status <strong>{result.status}</strong>
          </p>
          <dl class="headers">
            {result.headers.map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          {result.image ? (
            <img class="tried" src={result.image} alt={`What GET ${path} returned`} />
          ) : (
            <pre>
              <code>{result.text}</code>
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
