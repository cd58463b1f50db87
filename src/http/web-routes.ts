// The web console and the permissions explorer (SPEC §8): one page app built by Vite into
// dist/web during `npm install`, served here with a strict Content-Security-Policy. The app
// routes in the browser; each of its paths answers with the same page.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The paths the page app draws itself; a reload or a deep link on any of them gets the page. */
export const PAGE_PATHS = ['/', '/directory', '/import', '/explorer', '/explorer/:permission'];

/**
 * No inline script or style, nothing from another origin, no framing. Images may be data: and
 * blob: URLs: photos come from the API as bytes, in $batch as base64.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The page is tiny and names its hashed assets: always ask whether it changed.
  'cache-control': 'no-cache',
};

/** dist/web, whether this file runs from src/ (tsx) or from dist/src/ (built). */
export function defaultWebRoot(): string {
  const up = new URL('../../', import.meta.url);
  const candidates = [new URL('dist/web/', up), new URL('web/', up)].map((u) => fileURLToPath(u));
  return (
    candidates.find((dir) => existsSync(`${dir}index.html`) && existsSync(`${dir}assets`)) ?? candidates[0]!
  );
}

export async function webRoutes(app: FastifyInstance, options: { root: string }): Promise<void> {
  const indexPath = `${options.root}/index.html`;
  if (!existsSync(indexPath)) {
    // A checkout that skipped the build: say how to get the pages, as a page.
    for (const path of PAGE_PATHS) {
      app.get(path, (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(
            'The web console has not been built. Run `npm run build` (npm install does it), then restart.',
          ),
      );
    }
    return;
  }
  const page = readFileSync(indexPath);
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/',
    // One route per built file, found at start: nothing else under / is looked up on disk.
    wildcard: false,
    index: false,
    setHeaders: (reply, path) => {
      reply.header('x-content-type-options', 'nosniff');
      // Vite names assets by their content hash: they never change under a name.
      if (path.includes('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
      if (path.endsWith('.html')) reply.headers(PAGE_HEADERS);
    },
  });
  for (const path of PAGE_PATHS) {
    app.get(path, (_request, reply) =>
      reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page),
    );
  }
}
