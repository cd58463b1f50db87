// The official Graph JavaScript client (v3) with its default middleware — including its retry
// handler — reading a photo N times from a server that fails some requests. Prints one JSON
// line: how many reads succeeded, and the failures. Argument: a JSON object
// {baseUrl, token, path, reads}.
import { Client } from '@microsoft/microsoft-graph-client';

const { baseUrl, token, path, reads } = JSON.parse(process.argv[2]!) as {
  baseUrl: string;
  token: string;
  path: string;
  reads: number;
};
const client = Client.init({
  baseUrl,
  customHosts: new Set([new URL(baseUrl).hostname]),
  authProvider: (done) => done(null, token),
});
let succeeded = 0;
const failures: string[] = [];
for (let i = 0; i < reads; i++) {
  try {
    await client.api(path).get();
    succeeded++;
  } catch (error) {
    failures.push(String((error as { statusCode?: number }).statusCode ?? error));
  }
}
process.stdout.write(`${JSON.stringify({ succeeded, failures })}\n`);
