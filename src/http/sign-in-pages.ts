// The built-in issuer's pages: sign in, consent, an error, and the form_post response. Plain HTML
// with no script but the form_post auto-submit, which runs under a per-response CSP nonce.
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { findPermission } from '../auth/graph-permissions.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const STYLE = `body{font:16px system-ui,sans-serif;margin:0;background:#f3f2f1;color:#201f1e}
main{max-width:26rem;margin:8vh auto;background:#fff;padding:2rem 2.5rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}
input[type=email],input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #8a8886}
button{margin-top:1.25rem;padding:.5rem 1.5rem;font:inherit;border:0;background:#0067b8;color:#fff;cursor:pointer}
button.secondary{background:#e1dfdd;color:#201f1e;margin-right:.5rem}.error{color:#a4262c}ul{padding-left:1.2rem}
li{margin:.4rem 0}small{color:#605e5c}
a.button{display:block;text-align:center;margin-top:1rem;padding:.6rem 1rem;background:#0067b8;color:#fff;text-decoration:none}
a.button:hover,a.button:focus{background:#005293;outline:2px solid #201f1e;outline-offset:2px}.or{margin:1.5rem 0 0;text-align:center}`;

function page(reply: FastifyReply, status: number, title: string, body: string, scriptNonce?: string) {
  const scripts = scriptNonce ? ` 'nonce-${scriptNonce}'` : " 'none'";
  // frame-ancestors as well as X-Frame-Options: a sign-in page in a frame is how clickjacking starts.
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; script-src${scripts}; form-action *; ` +
        "base-uri 'none'; frame-ancestors 'none'",
    )
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)} · Portrait</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
    );
}

export function signInPage(
  reply: FastifyReply,
  view: {
    action: string;
    interaction: string;
    appName: string;
    username?: string;
    error?: string;
    /** The organisation's own provider (SPEC §12): "Sign in with NAME". */
    federation?: { name: string; href: string };
  },
) {
  return page(
    reply,
    view.error ? 401 : 200,
    'Sign in',
    `<h1>Sign in</h1><p>to continue to <strong>${escapeHtml(view.appName)}</strong></p>` +
      (view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>` : '') +
      (view.federation
        ? `<a class="button" href="${escapeHtml(view.federation.href)}">Sign in with ${escapeHtml(view.federation.name)}</a>` +
          `<p class="or"><small>or with a password kept by Portrait</small></p>`
        : '') +
      `<form method="post" action="${escapeHtml(view.action)}">` +
      `<input type="hidden" name="interaction" value="${escapeHtml(view.interaction)}">` +
      `<input type="hidden" name="step" value="login">` +
      `<label for="username">Email or user principal name</label>` +
      `<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(view.username ?? '')}">` +
      `<label for="password">Password</label>` +
      `<input id="password" name="password" type="password" autocomplete="current-password" required>` +
      `<button type="submit">Sign in</button></form>`,
  );
}

export function consentPage(
  reply: FastifyReply,
  view: { action: string; interaction: string; appName: string; user: string; scopes: string[] },
) {
  const items = view.scopes
    .map((name) => {
      const form = findPermission(name)?.delegated;
      return `<li><strong>${escapeHtml(form?.title ?? name)}</strong><br><small>${escapeHtml(form?.description ?? name)} (${escapeHtml(name)})</small></li>`;
    })
    .join('');
  return page(
    reply,
    200,
    'Permissions requested',
    `<h1>Permissions requested</h1><p><strong>${escapeHtml(view.appName)}</strong> asks, for ${escapeHtml(view.user)}, to:</p>` +
      `<ul>${items}</ul><form method="post" action="${escapeHtml(view.action)}">` +
      `<input type="hidden" name="interaction" value="${escapeHtml(view.interaction)}">` +
      `<input type="hidden" name="step" value="consent">` +
      `<button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>` +
      `<button type="submit" name="decision" value="accept">Accept</button></form>`,
  );
}

export function errorPage(reply: FastifyReply, status: number, message: string, startAgain?: string) {
  return page(
    reply,
    status,
    'Sign-in error',
    `<h1>Sorry, that did not work</h1><p class="error">${escapeHtml(message)}</p>` +
      (startAgain ? `<a class="button" href="${escapeHtml(startAgain)}">Start again</a>` : '') +
      `<p><small>Request id: ${escapeHtml(reply.request.id)}</small></p>`,
  );
}

/** response_mode=form_post: the browser posts the response parameters to the redirect URI. */
export function formPostPage(reply: FastifyReply, redirectUri: string, params: Record<string, string>) {
  const nonce = randomBytes(16).toString('base64');
  const fields = Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return page(
    reply,
    200,
    'Continue',
    `<form method="post" action="${escapeHtml(redirectUri)}">${fields}<noscript><button type="submit">Continue</button></noscript></form>` +
      `<script nonce="${nonce}">document.forms[0].submit()</script>`,
    nonce,
  );
}
