// The directory with photos: users, or groups and teams, in name order, searched and paged, with
// a thumbnail each (or a plain "No photo"). Anyone's photo can be changed or removed from here by
// those who may; the others are told who may (PhotoManager).
import { useEffect, useState } from 'preact/hooks';
import { api, type Group, type Owner, type Page, type User } from '../api.ts';
import { readable } from '../problems.ts';
import type { Session } from '../session.ts';
import { PhotoManager } from './PhotoManager.tsx';
import { Problem } from './Problem.tsx';

type Tab = 'users' | 'groups';
type Row = { owner: Owner & { id: string }; name: string; detail: string; team: boolean };

const rowOf = {
  users: (u: User): Row => ({
    owner: { kind: 'user', id: u.id },
    name: u.displayName,
    detail: u.userPrincipalName,
    team: false,
  }),
  groups: (g: Group): Row => {
    const team = (g.resourceProvisioningOptions ?? []).includes('Team');
    return {
      owner: { kind: team ? 'team' : 'group', id: g.id },
      name: g.displayName,
      detail: g.mail ?? '',
      team,
    };
  },
};

export function Directory({ session }: { session: Session }) {
  const [tab, setTab] = useState<Tab>('users');
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState<Page<Row> | null>(null);
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const [thumbs, setThumbs] = useState<Map<string, string | null>>(new Map());
  const [open, setOpen] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const [version, setVersion] = useState(0);
  const current = pages.at(-1);

  useEffect(() => {
    document.title = 'Directory · Portrait';
  }, []);

  useEffect(() => {
    let alive = true;
    setProblem('');
    const load: Promise<Page<Row>> =
      tab === 'users'
        ? api.users(search, current).then((p) => ({ ...p, items: p.items.map(rowOf.users) }))
        : api.groups(search, current).then((p) => ({ ...p, items: p.items.map(rowOf.groups) }));
    load
      .then(async (found) => {
        if (!alive) return;
        setPage(found);
        const owners = found.items.map(
          (row) => ({ kind: row.owner.kind === 'user' ? 'user' : 'group', id: row.owner.id }) as const,
        );
        const pictures = await api.thumbnails(owners);
        if (alive) setThumbs(pictures);
      })
      .catch((error: unknown) => alive && setProblem(readable(error)));
    return () => {
      alive = false;
    };
  }, [tab, search, current, version]);

  const switchTo = (next: Tab) => {
    setTab(next);
    setPages([undefined]);
    setOpen(null);
  };

  return (
    <section aria-labelledby="directory-title">
      <h1 id="directory-title">Directory</h1>
      <fieldset class="tabs">
        <legend class="visually-hidden">Show</legend>
        <button
          type="button"
          class="secondary"
          aria-pressed={tab === 'users'}
          onClick={() => switchTo('users')}
        >
          Users
        </button>
        <button
          type="button"
          class="secondary"
          aria-pressed={tab === 'groups'}
          onClick={() => switchTo('groups')}
        >
          Groups and teams
        </button>
      </fieldset>
      <form
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(query);
          setPages([undefined]);
        }}
      >
        <label for="directory-search">Search by name or email</label>
        <input
          id="directory-search"
          type="search"
          value={query}
          onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
      </form>
      <Problem text={problem} />
      {page && (
        <>
          <p role="status">
            {counted(page.count ?? page.items.length, tab === 'users' ? 'user' : 'group')}
            {search ? ` matching “${search}”` : ''}
          </p>
          <ul class="directory">
            {page.items.map((row) => {
              const thumb = thumbs.get(row.owner.id);
              const isOpen = open === row.owner.id;
              return (
                <li key={row.owner.id}>
                  <div class="entry">
                    {thumb ? (
                      <img class="thumb" src={thumb} width={48} height={48} alt={row.name} />
                    ) : (
                      <span class="thumb no-photo" aria-hidden="true">
                        {initials(row.name)}
                      </span>
                    )}
                    <div class="who">
                      <span class="name">
                        {row.name}
                        {row.team && <span class="badge">Team</span>}
                        {row.owner.kind === 'user' && row.owner.id === session.user.id && (
                          <span class="badge">You</span>
                        )}
                        {thumbs.has(row.owner.id) && !thumb && <span class="badge">No photo</span>}
                      </span>
                      <span class="detail" title={row.detail}>
                        {breakable(row.detail)}
                      </span>
                    </div>
                    <button
                      type="button"
                      class="secondary"
                      aria-expanded={isOpen}
                      onClick={() => setOpen(isOpen ? null : row.owner.id)}
                    >
                      {isOpen ? 'Close' : 'Photo…'}
                      <span class="visually-hidden"> {row.name}</span>
                    </button>
                  </div>
                  {isOpen && (
                    <PhotoManager
                      session={session}
                      owner={row.owner}
                      name={row.name}
                      onChanged={() => setVersion((v) => v + 1)}
                    />
                  )}
                </li>
              );
            })}
          </ul>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={pages.length === 1}
              onClick={() => setPages(pages.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!page.nextLink}
              onClick={() => setPages([...pages, page.nextLink])}
            >
              Next page
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** "1 user", "3 users". */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * An address that wraps only after its @ and before its dots where the line is short, never in a
 * word: `megan@` / `contoso` / `.onmicrosoft.com`.
 */
const breakable = (address: string) =>
  address.split(/(?<=@)|(?=\.)/).flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, part]));

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]!.toUpperCase())
    .join('');
