// One permission, in the form of seed 000: its delegated and application forms, a Delegated /
// App-only toggle, the v1.0 and beta methods it allows with "Try it" on each GET (as the
// signed-in person for delegated methods, as an app for app-only ones), the PowerShell cmdlets,
// code samples for this server, the app-registration steps, and exports. Every list is drawn
// from /explorer/api/permissions/{name}, which the server builds from its matrix.
import { useEffect, useState } from 'preact/hooks';
import { CONSOLE_SCOPES } from '../../../src/auth/console-client.ts';
import { api, type ExplorerPermission } from '../api.ts';
import { readable } from '../problems.ts';
import { navigate, useLocation } from '../router.ts';
import type { Session } from '../session.ts';
import { holdAppToken, useAppToken } from './app-token.ts';
import { breakAtDots } from './break-at-dots.tsx';
import { samples } from './samples.ts';
import { SignInToTry } from './SignInToTry.tsx';
import { TryAsApp } from './TryAsApp.tsx';
import { TryIt } from './TryIt.tsx';
import { Problem } from '../components/Problem.tsx';
import './explorer.css';

type Column = 'delegated' | 'application';
const VERSIONS = ['v1.0', 'beta'] as const;
const COLUMN_LABEL: Record<Column, string> = {
  delegated: 'Delegated access',
  application: 'App-only access',
};

function download(name: string, type: string, content: string) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

/** Header row, then one row per version × column × method. */
export function permissionCsv(permission: ExplorerPermission): string {
  const rows = [['version', 'column', 'method']];
  for (const version of VERSIONS) {
    for (const column of ['delegated', 'application'] as const) {
      for (const method of permission.methods[version][column]) rows.push([version, column, method]);
    }
  }
  return `${rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\r\n')}\r\n`;
}

export function PermissionPage({ name, session }: { name: string; session: Session | null }) {
  const here = useLocation();
  const [permission, setPermission] = useState<ExplorerPermission | null>(null);
  const [problem, setProblem] = useState('');
  const [status, setStatus] = useState('');
  const [trying, setTrying] = useState<string | null>(null);
  const [sampleLine, setSampleLine] = useState('');
  const app = useAppToken();
  const [askSignIn, setAskSignIn] = useState(false);
  const asked = here.query.get('type');

  useEffect(() => {
    document.title = `${name} · Permissions explorer · Portrait`;
    setPermission(null);
    setProblem('');
    api.explorerPermission(name).then(setPermission, (error: unknown) => setProblem(readable(error)));
  }, [name]);

  // "Copied <link>" and an open Try it belong to the view they were in: a new permission or toggle ends them.
  useEffect(() => {
    setStatus('');
    setTrying(null);
  }, [name, asked]);

  if (problem) {
    return (
      <section>
        <h1>{name}</h1>
        <Problem text={problem} />
        <p>
          <a href="/explorer">All permissions</a>
        </p>
      </section>
    );
  }
  if (!permission) return <p aria-busy="true">Loading…</p>;

  const available = (['delegated', 'application'] as const).filter((c) => permission[c]);
  const column: Column = available.includes(asked as Column) ? (asked as Column) : available[0]!;
  const deepLink = `${location.origin}/explorer/${encodeURIComponent(permission.name)}?type=${column}`;
  // Samples for v1.0, or for beta where only beta has the permission's methods.
  const sampleVersion = permission.methods['v1.0'][column].length > 0 ? 'v1.0' : 'beta';
  const sampleLines = permission.methods[sampleVersion][column];
  const sampleFor = sampleLines.includes(sampleLine) ? sampleLine : (sampleLines[0] ?? '');
  const form = permission[column];

  return (
    <article class="permission" aria-labelledby="permission-title">
      <p class="breadcrumb">
        <a href="/explorer">Permissions explorer</a>
      </p>
      <h1 id="permission-title">{breakAtDots(permission.name)}</h1>
      <p class="tags">
        {permission.application && <span class="badge">Application</span>}
        {permission.delegated && <span class="badge">Delegated</span>}
      </p>
      {form && <p class="lead">{form.description}</p>}

      <fieldset class="toolbar">
        <legend class="visually-hidden">Export and share</legend>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            download(
              `${permission.name}.json`,
              'application/json',
              `${JSON.stringify(permission, null, 2)}\n`,
            )
          }
        >
          Export JSON
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => download(`${permission.name}.csv`, 'text/csv', permissionCsv(permission))}
        >
          Export CSV
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            navigator.clipboard.writeText(deepLink).then(
              () => setStatus(`Copied ${deepLink}`),
              () => setStatus(`Copy this link: ${deepLink}`),
            )
          }
        >
          Copy URL
        </button>
        <button type="button" class="secondary" onClick={() => window.print()}>
          Print
        </button>
      </fieldset>
      <p role="status" class="status">
        {status}
      </p>

      <fieldset class="toggle">
        <legend>Access type</legend>
        {(['delegated', 'application'] as const).map((c) => (
          <label key={c} class={permission[c] ? '' : 'unavailable'}>
            <input
              type="radio"
              name="column"
              value={c}
              checked={column === c}
              disabled={!permission[c]}
              onChange={() =>
                navigate(`/explorer/${encodeURIComponent(permission.name)}?type=${c}`, { replace: true })
              }
            />
            {COLUMN_LABEL[c]}
          </label>
        ))}
      </fieldset>

      <section aria-labelledby="details-title">
        <h2 id="details-title">Permission details</h2>
        <div class="cards">
          {permission.application && (
            <div class="card">
              <h3>Application permission</h3>
              <p class="badge warn">Admin consent required</p>
              <p>
                <strong>{permission.application.title}</strong>
              </p>
              <p>{permission.application.description}</p>
            </div>
          )}
          {permission.delegated && (
            <div class="card">
              <h3>Delegated permission</h3>
              <p class={permission.delegated.adminConsent ? 'badge warn' : 'badge'}>
                {permission.delegated.adminConsent ? 'Admin consent required' : 'Users can consent'}
              </p>
              <p>
                <strong>{permission.delegated.title}</strong>
              </p>
              <p>{permission.delegated.description}</p>
            </div>
          )}
        </div>
      </section>

      <section aria-labelledby="methods-title">
        <h2 id="methods-title">Graph methods · {COLUMN_LABEL[column]}</h2>
        {column === 'application' ? (
          <p>
            Each method works with an app-only token holding only {permission.name}, for any object of the
            app's organization: an app needs no admin role and no ownership. Paths under <code>/me</code> name
            a signed-in user, so an app cannot call them.
          </p>
        ) : (
          <p>
            Each method works with a delegated token holding only {permission.name}, for the signed-in
            person's own objects, and for others' where the person also has the admin role or the ownership
            the method needs.
          </p>
        )}
        {column === 'application' ? (
          <TryAsApp permission={permission.name} session={session} token={app} onToken={holdAppToken} />
        ) : session ? (
          <p class="try-note">
            Try it runs a GET as you, {session.user.username}, with the console's sign-in: its token holds{' '}
            {CONSOLE_SCOPES.join(', ')}, not only {permission.name}, and reaches what your roles allow.
          </p>
        ) : (
          <p class="try-note">
            Try it runs a GET with your own sign-in.{' '}
            <button type="button" aria-haspopup="dialog" onClick={() => setAskSignIn(true)}>
              Sign in to try
            </button>
          </p>
        )}
        {VERSIONS.map((version) => {
          const lines = permission.methods[version][column];
          return (
            <div key={version} class="methods">
              <h3>Microsoft Graph {version}</h3>
              {lines.length === 0 ? (
                <p>
                  No method in {version} with {COLUMN_LABEL[column].toLowerCase()}.
                </p>
              ) : (
                <ul class="method-list">
                  {lines.map((line) => {
                    const key = `${version} ${line}`;
                    return (
                      <li key={key}>
                        <code class="method">{line}</code>
                        {line.startsWith('GET ') &&
                          (column === 'delegated' && !session ? (
                            <button
                              type="button"
                              class="secondary small"
                              aria-haspopup="dialog"
                              onClick={() => setAskSignIn(true)}
                            >
                              Sign in to try
                              <span class="visually-hidden">
                                : {line} in {version}
                              </span>
                            </button>
                          ) : (
                            <button
                              type="button"
                              class="secondary small"
                              aria-expanded={trying === key}
                              onClick={() => setTrying(trying === key ? null : key)}
                            >
                              Try it
                              <span class="visually-hidden">
                                : {line} in {version}
                              </span>
                            </button>
                          ))}
                        {trying === key &&
                          (column === 'delegated' ? (
                            session && <TryIt line={line} version={version} session={session} />
                          ) : app ? (
                            <TryIt
                              line={line}
                              version={version}
                              session={session}
                              appToken={app.accessToken}
                            />
                          ) : session ? (
                            // SPEC §8: Try it runs with the signed-in token — said plainly here, with the
                            // way to run it as an app instead.
                            <div>
                              <p class="try-note">
                                No app token yet: this runs with your own sign-in, {session.user.username},
                                not as an app, and reaches what your roles allow. Get an app token under "Try
                                it as an app" above to run it as the app.
                              </p>
                              <TryIt line={line} version={version} session={session} />
                            </div>
                          ) : (
                            <p class="try-it">
                              This method runs as an app: get an app token under "Try it as an app" above
                              first.{' '}
                              <button
                                type="button"
                                class="secondary small"
                                onClick={() => document.getElementById('app-client-id')?.focus()}
                              >
                                Go there
                              </button>
                            </p>
                          ))}
                      </li>
                    );
                  })}
                </ul>
              )}
            </div>
          );
        })}
      </section>

      <section aria-labelledby="powershell-title">
        <h2 id="powershell-title">PowerShell</h2>
        {permission.powershell.length === 0 ? (
          <p>No Microsoft Graph PowerShell cmdlet calls these methods.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Microsoft Graph PowerShell cmdlets</caption>
              <thead>
                <tr>
                  <th scope="col">Cmdlet</th>
                  <th scope="col">Version</th>
                  <th scope="col">Methods</th>
                </tr>
              </thead>
              <tbody>
                {permission.powershell.map((command) => (
                  <tr key={command.version + command.cmdlet}>
                    <td>
                      <code>{command.cmdlet}</code>
                    </td>
                    <td>{command.version}</td>
                    <td>
                      {command.methods.map((m) => (
                        <code key={m} class="method">
                          {m}
                        </code>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {sampleFor && (
        <section aria-labelledby="samples-title">
          <h2 id="samples-title">Code examples</h2>
          <label for="sample-method">Method</label>
          <select
            id="sample-method"
            value={sampleFor}
            onChange={(event) => setSampleLine((event.target as HTMLSelectElement).value)}
          >
            {sampleLines.map((line) => (
              <option key={line} value={line}>
                {line}
              </option>
            ))}
          </select>
          {samples(sampleFor, location.origin, sampleVersion).map((sample) => (
            <div key={sample.language} class="sample">
              <h3>{sample.language}</h3>
              <pre>
                <code>{sample.code}</code>
              </pre>
            </div>
          ))}
        </section>
      )}

      <section aria-labelledby="registration-title">
        <h2 id="registration-title">App registration</h2>
        <ol class="steps">
          <li>
            <h3>Register the app</h3>
            <p>
              With Portrait's command line, in the tenant the app will use:{' '}
              <code>npx portrait app create --tenant contoso --name my-app --json</code> (add{' '}
              <code>--public --redirect-uri https://my-app.example/</code> for a browser or desktop app that
              signs people in).
            </p>
          </li>
          <li>
            <h3>Add the API permission</h3>
            <p>
              {permission.application ? (
                <>
                  As an application permission: <code>--roles {permission.name}</code> on{' '}
                  <code>app create</code>.{' '}
                </>
              ) : null}
              {permission.delegated ? (
                <>
                  As a delegated permission: ask for the scope <code>{permission.name}</code> when signing
                  people in.
                </>
              ) : null}
            </p>
          </li>
          <li>
            <h3>Select the permission type</h3>
            <p>
              Choose application permissions for a service without a signed-in user, or delegated permissions
              to act for one, and search for {permission.name} above.
            </p>
          </li>
          <li>
            <h3>Grant admin consent</h3>
            <p>
              <code>npx portrait app grant --tenant contoso --app my-app</code>
              {permission.delegated?.adminConsent ? (
                <>
                  {' '}
                  (and <code>--scopes {permission.name}</code> for the delegated permission, which needs admin
                  consent)
                </>
              ) : null}
              . Application permissions always require admin consent.
            </p>
          </li>
        </ol>
      </section>
      <p class="footnote">
        Generated from Portrait's permission matrix: the same table that decides every call.
      </p>
      {!session && (
        <SignInToTry
          open={askSignIn}
          returnTo={here.path + location.search}
          onClose={() => setAskSignIn(false)}
        />
      )}
    </article>
  );
}
