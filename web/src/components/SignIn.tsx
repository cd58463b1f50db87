// Signing in: the organization (tenant) to sign in to, then Portrait's sign-in page. Where the
// server has the demo organization, the page says its name.
import { useEffect } from 'preact/hooks';
import { OrganizationField, useOrganizationSignIn } from './organization-sign-in.tsx';
import { Problem } from './Problem.tsx';

export function SignIn({ returnTo }: { returnTo: string }) {
  const { tenant, setTenant, problem, busy, demo, submit } = useOrganizationSignIn(returnTo);
  useEffect(() => {
    document.title = 'Sign in · Portrait';
  }, []);

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Portrait</h1>
      <p>See and change your profile photo, and your organization's photos if you manage them.</p>
      <form onSubmit={submit}>
        <OrganizationField id="tenant" tenant={tenant} demo={demo} onInput={setTenant} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <Problem text={problem} />
    </section>
  );
}
