// The permissions Portrait knows, with search: `/` focuses it, Escape clears it (seed 000). Each
// entry shows its forms and one-line description; the search reads names, titles, descriptions
// and the method lines, so "photo" also finds User.Read.All and Contacts.Read, and "/teams/"
// finds what calls the team methods.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ExplorerPermission } from '../api.ts';
import { readable } from '../problems.ts';
import { Problem } from '../components/Problem.tsx';
import { breakAtDots } from './break-at-dots.tsx';
import './explorer.css';

/** Every method line of a permission, both versions and columns, once each. */
const methodLines = (permission: ExplorerPermission) => [
  ...new Set(
    Object.values(permission.methods).flatMap((columns) => [...columns.delegated, ...columns.application]),
  ),
];

/** What the search reads of a permission, apart from its methods, in lower case. */
const wordsOf = (permission: ExplorerPermission) =>
  [
    permission.name,
    permission.delegated?.title,
    permission.delegated?.description,
    permission.application?.title,
    permission.application?.description,
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();

interface Match {
  name: string;
  permission: ExplorerPermission | undefined;
  /** A method line that matched where the name and descriptions did not: why it is listed. */
  method?: string;
}

/**
 * The entries matching every word of the query, each in the name, a title, a description or a
 * method line. Until the details have come, only names are searched.
 */
function matching(names: string[], details: Map<string, ExplorerPermission>, query: string): Match[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches: Match[] = [];
  for (const name of names) {
    const permission = details.get(name);
    const text = permission ? wordsOf(permission) : name.toLowerCase();
    const lines = permission ? methodLines(permission) : [];
    const inMethods = (word: string) => lines.some((line) => line.toLowerCase().includes(word));
    if (!words.every((word) => text.includes(word) || inMethods(word))) continue;
    const unexplained = words.filter((word) => !text.includes(word));
    const method =
      unexplained.length > 0
        ? lines.find((line) => unexplained.every((word) => line.toLowerCase().includes(word)))
        : undefined;
    matches.push({ name, permission, ...(method ? { method } : {}) });
  }
  return matches;
}

export function PermissionList() {
  const [names, setNames] = useState<string[] | null>(null);
  const [details, setDetails] = useState(new Map<string, ExplorerPermission>());
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState('');
  const searchBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Permissions explorer · Portrait';
    // The names first, to list at once; then each permission's page data, which the search reads.
    api
      .explorerNames()
      .then(async (known) => {
        setNames(known);
        const all = await Promise.all(known.map((name) => api.explorerPermission(name)));
        setDetails(new Map(all.map((permission) => [permission.name, permission])));
      })
      .catch((error: unknown) => setProblem(readable(error)));
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const shown = matching(names ?? [], details, query);
  return (
    <section aria-labelledby="explorer-title">
      <h1 id="explorer-title">Permissions explorer</h1>
      <p>
        The Microsoft Graph permissions Portrait enforces, the photo methods each one allows, and how to use
        them against this server.
      </p>
      <div class="search">
        <label for="permission-search">Search permissions</label>
        <input
          ref={searchBox}
          id="permission-search"
          type="search"
          placeholder="Name, description or method ( / )"
          aria-keyshortcuts="/"
          aria-describedby="permission-search-hint"
          value={query}
          onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              setQuery('');
            }
          }}
        />
        <p id="permission-search-hint" class="hint">
          Searches names, descriptions and methods, e.g. <code>photo</code>, <code>contacts write</code> or{' '}
          <code>/teams/</code>.
        </p>
      </div>
      <Problem text={problem} />
      <p role="status">{names && `${shown.length} of ${names.length} permissions`}</p>
      <ul class="permissions">
        {shown.map(({ name, permission, method }) => {
          const form = permission?.application ?? permission?.delegated;
          return (
            <li key={name}>
              <a href={`/explorer/${encodeURIComponent(name)}`}>{breakAtDots(name)}</a>
              {permission && (
                <span class="forms">
                  {permission.application && <span class="badge">Application</span>}
                  {permission.delegated && <span class="badge">Delegated</span>}
                </span>
              )}
              {form && <p class="description">{form.description}</p>}
              {method && (
                <p class="matched-method">
                  Method: <code>{method}</code>
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
