// What "Sign in to try" opens: the browser's own modal dialog asking for the organization (the
// one signed in to last is filled in), then Portrait's sign-in page, which comes back here.
import { useEffect, useRef } from 'preact/hooks';
import { OrganizationField, useOrganizationSignIn } from '../components/organization-sign-in.tsx';
import { Problem } from '../components/Problem.tsx';

export function SignInToTry(props: { open: boolean; returnTo: string; onClose: () => void }) {
  const { open, returnTo, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const { tenant, setTenant, problem, busy, demo, submit } = useOrganizationSignIn(returnTo);

  useEffect(() => {
    const element = dialog.current!;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  return (
    <dialog ref={dialog} class="sign-in-to-try" aria-labelledby="sign-in-to-try-title" onClose={onClose}>
      <h2 id="sign-in-to-try-title">Sign in to try</h2>
      <p>
        Try it calls the API with your own sign-in, as the console does. After Portrait's sign-in page you
        come back to this permission.
      </p>
      <form onSubmit={submit}>
        <OrganizationField id="sign-in-to-try-tenant" tenant={tenant} demo={demo} onInput={setTenant} />
        <div class="actions">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </div>
      </form>
      <Problem text={problem} />
    </dialog>
  );
}
