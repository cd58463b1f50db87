// A browser app written for Microsoft Graph, pointed at Portrait: it signs the user in with
// MSAL.js against Portrait's built-in issuer (authorization code with PKCE, redirect flow), then
// shows people with the Graph Toolkit's <mgt-person> through the ProxyProvider. Bundled by the
// test with esbuild; the page gives it its settings in a JSON script element.
import { PublicClientApplication } from '@azure/msal-browser';
import { registerMgtPersonComponent } from '@microsoft/mgt-components';
import { Providers } from '@microsoft/mgt-element';
import { ProxyProvider } from '@microsoft/mgt-proxy-provider';

interface PageSettings {
  /** Portrait's origin, e.g. https://127.0.0.1:8443 */
  portrait: string;
  tenant: string;
  clientId: string;
  scopes: string[];
  /** `<mgt-person>` elements to show once signed in: element id → attributes. */
  people: Record<string, Record<string, string>>;
}

const settings = JSON.parse(document.getElementById('settings')!.textContent!) as PageSettings;
const status = document.getElementById('status')!;

async function main() {
  const msal = new PublicClientApplication({
    auth: {
      clientId: settings.clientId,
      authority: `${settings.portrait}/${settings.tenant}`,
      knownAuthorities: [new URL(settings.portrait).host],
      redirectUri: `${location.origin}/`,
    },
  });
  await msal.initialize();
  const signedIn = await msal.handleRedirectPromise();
  if (!signedIn) {
    await msal.loginRedirect({ scopes: settings.scopes });
    return;
  }
  // MSAL once more, silently, as an app does before each call: it must find the cached token.
  const { accessToken } = await msal.acquireTokenSilent({
    scopes: settings.scopes,
    account: signedIn.account,
  });
  Providers.globalProvider = new ProxyProvider(settings.portrait, async () => ({
    Authorization: `Bearer ${accessToken}`,
  }));
  registerMgtPersonComponent();
  for (const [id, attributes] of Object.entries(settings.people)) {
    const person = document.createElement('mgt-person');
    person.id = id;
    for (const [name, value] of Object.entries(attributes)) person.setAttribute(name, value);
    document.body.append(person);
  }
  status.textContent = `signed in as ${signedIn.account.username}`;
}

main().catch((error: unknown) => {
  status.textContent = `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
});
