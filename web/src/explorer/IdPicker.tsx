// Where an `{id}` of "Try it" comes from: the collection that lists them, named beside a choice
// of its items by name (your groups, your contacts, the folders of a mailbox). Picking one fills
// the id in; typing one still works.
import { useEffect, useState } from 'preact/hooks';
import { api, type Pickable } from '../api.ts';
import { readable } from '../problems.ts';

export function IdPicker(props: {
  id: string;
  /** The collection, e.g. `/v1.0/me/joinedGroups`. */
  source: string;
  /** The same, as a person reads it (`/v1.0/users/adele@contoso.com/contacts`). */
  shown: string;
  /** Only the groups that are teams. */
  teamsOnly: boolean;
  /** Lists with this token (an app's) instead of the signed-in one. */
  token: string | undefined;
  value: string;
  onPick: (id: string) => void;
}) {
  const { id, source, shown, teamsOnly, token, value, onPick } = props;
  const [items, setItems] = useState<Pickable[] | null>(null);
  const [more, setMore] = useState(false);
  const [problem, setProblem] = useState('');

  useEffect(() => {
    let current = true;
    setItems(null);
    setProblem('');
    // The source follows what is typed before it (a userPrincipalName): wait for a pause.
    const timer = setTimeout(() => {
      api.pickable(source, token).then(
        (page) => {
          if (!current) return;
          setItems(
            teamsOnly
              ? page.items.filter((g) => g.resourceProvisioningOptions?.includes('Team'))
              : page.items,
          );
          setMore(page.more);
        },
        (error: unknown) => current && setProblem(readable(error)),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [source, token, teamsOnly]);

  const call = <code>GET {shown}</code>;
  if (problem) {
    return (
      <p class="hint">
        {call} could not list them: {problem} Type an id instead.
      </p>
    );
  }
  if (!items) return <p class="hint">Listing {call}…</p>;
  if (items.length === 0) {
    return (
      <p class="hint">
        {call} lists no {teamsOnly ? 'team' : 'item'} to pick{teamsOnly ? ' among your groups' : ''}.
      </p>
    );
  }
  return (
    <div class="pick">
      <label for={id}>
        Or pick from {call}
        {teamsOnly ? ' (the teams)' : ''}
      </label>
      <select
        id={id}
        value={items.some((item) => item.id === value) ? value : ''}
        onChange={(event) => {
          const picked = (event.target as HTMLSelectElement).value;
          if (picked) onPick(picked);
        }}
      >
        <option value="">
          {items.length}
          {more ? '+' : ''} found: choose one…
        </option>
        {items.map((item) => (
          <option key={item.id} value={item.id}>
            {item.displayName || item.id}
          </option>
        ))}
      </select>
    </div>
  );
}
