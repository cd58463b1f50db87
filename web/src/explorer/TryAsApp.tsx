// "Try it as an app", above the app-only methods: an app-only method is called by an app without
// a signed-in user, so it is best tried with a token of a registered app (its client id and
// secret, the client credentials grant). Without one, Try it runs with the person's own sign-in
// (SPEC §8) and says so beside each method. Shows which app the token is for and the permissions
// it holds, and says so when it lacks the one on the page.
import { useState } from 'preact/hooks';
import { readable } from '../problems.ts';
import { lastTenant, type Session } from '../session.ts';
import { Problem } from '../components/Problem.tsx';
import { type AppToken, appToken } from './app-token.ts';

export function TryAsApp(props: {
  permission: string;
  session: Session | null;
  token: AppToken | null;
  onToken: (token: AppToken | null) => void;
}) {
  const { permission, session, token, onToken } = props;
  const [tenant, setTenant] = useState(() => session?.tenant ?? lastTenant());
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    try {
      onToken(await appToken(tenant.trim(), clientId.trim(), secret));
      setSecret('');
    } catch (error) {
      setProblem(readable(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="try-as-app" aria-labelledby="try-as-app-title">
      <h3 id="try-as-app-title">Try it as an app</h3>
      {token ? (
        <>
          <p>
            Try it runs these methods as the app <strong>{token.appName}</strong> (<code>{token.appId}</code>)
            in {token.tenant}, whose token holds{' '}
            {token.roles.length > 0 ? token.roles.join(', ') : 'no application permission'}. Your own sign-in
            is not used.
          </p>
          {!token.roles.some((role) => role.toLowerCase() === permission.toLowerCase()) && (
            <p class="warning">
              This app does not hold {permission}: what Try it shows is what its own permissions allow.
            </p>
          )}
          <button type="button" class="secondary" onClick={() => onToken(null)}>
            Forget the app token
          </button>
        </>
      ) : (
        <>
          <p>
            App-only methods are called by an app, without a signed-in user. To try them as the app does, get
            a token for an app registered in your organization, from this server's token endpoint with the
            app's client id and secret; until then Try it runs with your own sign-in, and says so.{' '}
            <code>
              npx portrait app create --tenant {tenant.trim() || 'contoso'} --name my-app --roles {permission}{' '}
              --json
            </code>{' '}
            prints both, and <code>app grant</code> consents (see App registration below). The secret is sent
            once and not kept; the token stays in this page's memory.
          </p>
          <form class="app-credentials" onSubmit={submit}>
            <div class="field">
              <label for="app-tenant">Organization (tenant name or id)</label>
              <input
                id="app-tenant"
                required
                autocomplete="organization"
                value={tenant}
                onInput={(event) => setTenant((event.target as HTMLInputElement).value)}
              />
            </div>
            <div class="field">
              <label for="app-client-id">Application (client) id</label>
              <input
                id="app-client-id"
                required
                autocomplete="off"
                spellcheck={false}
                value={clientId}
                onInput={(event) => setClientId((event.target as HTMLInputElement).value)}
              />
            </div>
            <div class="field">
              <label for="app-secret">Client secret</label>
              <input
                id="app-secret"
                type="password"
                required
                autocomplete="off"
                value={secret}
                onInput={(event) => setSecret((event.target as HTMLInputElement).value)}
              />
            </div>
            <button type="submit" disabled={busy}>
              Get app token
            </button>
          </form>
          <Problem text={problem} />
        </>
      )}
    </section>
  );
}
