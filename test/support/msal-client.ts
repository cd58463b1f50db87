// Runs @azure/msal-node as an app would: a ConfidentialClientApplication with Portrait's tenant
// URL as authority, in its own process so NODE_EXTRA_CA_CERTS trusts Portrait's CA the usual way.
// Prints the token result as one JSON line. Arguments: authority clientId clientSecret scope.
import { ConfidentialClientApplication } from '@azure/msal-node';

const [authority, clientId, clientSecret, scope] = process.argv.slice(2) as [string, string, string, string];
const app = new ConfidentialClientApplication({
  auth: { clientId, clientSecret, authority, knownAuthorities: [new URL(authority).host] },
  system: process.env['MSAL_DEBUG']
    ? {
        loggerOptions: {
          logLevel: 4,
          piiLoggingEnabled: true,
          loggerCallback: (_level: unknown, message: string) => process.stderr.write(`${message}\n`),
        },
      }
    : {},
});
try {
  const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
  process.stdout.write(
    `${JSON.stringify({ accessToken: result?.accessToken, expiresOn: result?.expiresOn })}\n`,
  );
} catch (error) {
  const e = error as { errorCode?: string; errorMessage?: string; message?: string };
  process.stdout.write(
    `${JSON.stringify({ errorCode: e.errorCode, errorMessage: e.errorMessage ?? e.message })}\n`,
  );
  process.exitCode = 1;
}
