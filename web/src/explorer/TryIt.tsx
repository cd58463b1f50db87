// "Try it": runs one GET of the explorer against the live API with the signed-in token, and
// shows what came back — status, headers, and the photo or the JSON.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { SignIn } from '../components/SignIn.tsx';
import { readable } from '../problems.ts';
import type { Session } from '../session.ts';
import { Problem } from '../components/Problem.tsx';

/** The `{…}` parts of a method line's path, in order. */
const placeholders = (path: string) => [...path.matchAll(/\{[^}]+\}/g)].map((m) => m[0]);

function defaultValue(name: string, session: Session): string {
  if (name === '{id | userPrincipalName}') return session.user.username;
  if (name === '{size}') return '48x48';
  return '';
}

export function TryIt(props: {
  line: string;
  version: 'v1.0' | 'beta';
  session: Session | null;
  returnTo: string;
}) {
  const { line, version, session, returnTo } = props;
  const path = line.slice(line.indexOf(' ') + 1);
  const names = placeholders(path);
  const [values, setValues] = useState<string[]>(() =>
    names.map((n) => (session ? defaultValue(n, session) : '')),
  );
  const [result, setResult] = useState<Awaited<ReturnType<typeof api.tryGet>> | null>(null);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => () => void (result?.image && URL.revokeObjectURL(result.image)), [result]);

  if (!session) return <SignIn returnTo={returnTo} compact />;

  async function run(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    let filled = path;
    names.forEach((name, i) => {
      filled = filled.replace(name, encodeURIComponent(values[i]!.trim()));
    });
    try {
      setResult(await api.tryGet(`/${version}${filled}`));
    } catch (error) {
      setProblem(readable(error));
    } finally {
      setBusy(false);
    }
  }

  const id = (i: number) => `try-${version}-${line.replace(/\W+/g, '-')}-${i}`;
  return (
    <div class="try-it">
      <form onSubmit={run}>
        {names.map((name, i) => (
          <div class="field" key={name + i}>
            <label for={id(i)}>{name}</label>
            <input
              id={id(i)}
              required
              value={values[i]}
              onInput={(event) => {
                const next = [...values];
                next[i] = (event.target as HTMLInputElement).value;
                setValues(next);
              }}
            />
          </div>
        ))}
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
