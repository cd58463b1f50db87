// A person at a browser, as far as OAuth sign-in needs one: follows redirects, reads the form on
// the page, fills it in and posts it. The redirect target is a real local HTTP server standing in
// for the client app, which records what it receives.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type Agent, fetch } from 'undici';

export interface Page {
  url: string;
  status: number;
  html: string;
}

export class Browser {
  constructor(private readonly agent: Agent) {}

  async open(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      ...(init.form
        ? {
            body: new URLSearchParams(init.form),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }
        : {}),
      redirect: 'follow',
      dispatcher: this.agent,
    });
    return { url: response.url, status: response.status, html: await response.text() };
  }

  /** Posts the page's form with its hidden fields and the given ones. */
  submit(page: Page, fields: Record<string, string>): Promise<Page> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
    if (!action) throw new Error(`no form on the page:\n${page.html}`);
    const hidden = Object.fromEntries(
      [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        decode(m[2]!),
      ]),
    );
    return this.open(new URL(decode(action), page.url).toString(), { form: { ...hidden, ...fields } });
  }
}

const decode = (html: string) =>
  html.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!,
  );

/** The client app's redirect URI: answers "signed in" and remembers every query it got. */
export class Callback {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly received: URLSearchParams[],
  ) {}

  static async start(): Promise<Callback> {
    const received: URLSearchParams[] = [];
    const server = createServer((req, res) => {
      received.push(new URL(req.url!, 'http://x').searchParams);
      res.end('signed in');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return new Callback(server, `http://127.0.0.1:${port}/callback`, received);
  }

  last(): URLSearchParams {
    const params = this.received.at(-1);
    if (!params) throw new Error('the redirect URI was never reached');
    return params;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
