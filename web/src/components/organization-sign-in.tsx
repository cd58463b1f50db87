// What every sign-in form of the console shares: the organization (tenant) field, filled with the
// one signed in to last, a hint naming the demo organization where the server has it, and the
// step to Portrait's sign-in page, whose failure is shown in words.
import { useEffect, useState } from 'preact/hooks';
import { DEMO_TENANT_NAME } from '../../../src/domain/tenant.ts';
import { readable } from '../problems.ts';
import { lastTenant, organizationExists, signIn } from '../session.ts';

export function useOrganizationSignIn(returnTo: string) {
  const [tenant, setTenant] = useState(lastTenant);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    let alive = true;
    organizationExists(DEMO_TENANT_NAME)
      .then((exists) => alive && setDemo(exists))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, []);

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

  return { tenant, setTenant, problem, busy, demo, submit };
}

/** The organization field, and the demo organization's name under it where the server has one. */
export function OrganizationField(props: {
  id: string;
  tenant: string;
  demo: boolean;
  onInput: (tenant: string) => void;
}) {
  const { id, tenant, demo, onInput } = props;
  return (
    <>
      <label for={id}>Organization (tenant name or id)</label>
      <input
        id={id}
        name="tenant"
        required
        autocomplete="organization"
        value={tenant}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
        aria-describedby={demo ? `${id}-demo` : undefined}
      />
      {demo && (
        <p class="hint" id={`${id}-demo`}>
          Trying Portrait out? This server has the demo organization <strong>{DEMO_TENANT_NAME}</strong>.
        </p>
      )}
    </>
  );
}
