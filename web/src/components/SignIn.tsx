// Signing in: the organization (tenant) to sign in to, then Portrait's sign-in page.
import { useEffect, useState } from 'preact/hooks';
import { readable } from '../problems.ts';
import { lastTenant, signIn } from '../session.ts';
import { Problem } from './Problem.tsx';

export function SignIn({ returnTo, compact = false }: { returnTo: string; compact?: boolean }) {
  const [tenant, setTenant] = useState(lastTenant);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!compact) document.title = 'Sign in · Portrait';
  }, [compact]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    try {
      await signIn(tenant.trim(), returnTo);
    } catch (error) {
      setProblem(readable(error));
      setBusy(false);
    }
  }

  return (
    <section class={compact ? 'sign-in compact' : 'sign-in'} aria-labelledby="sign-in-title">
      {compact ? (
        <h3 id="sign-in-title">Sign in to try it</h3>
      ) : (
        <h1 id="sign-in-title">Sign in to Portrait</h1>
      )}
      {!compact && (
        <p>See and change your profile photo, and your organization's photos if you manage them.</p>
      )}
      <form onSubmit={submit}>
        <label for="tenant">Organization (tenant name or id)</label>
        <input
          id="tenant"
          name="tenant"
          required
          autocomplete="organization"
          value={tenant}
          onInput={(event) => setTenant((event.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <Problem text={problem} />
    </section>
  );
}
