// The permissions Portrait knows, with search: `/` focuses it, Escape clears it (seed 000).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { readable } from '../problems.ts';
import { Problem } from '../components/Problem.tsx';

export function PermissionList() {
  const [names, setNames] = useState<string[] | null>(null);
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState('');
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Permissions explorer · Portrait';
    api.explorerNames().then(setNames, (error: unknown) => setProblem(readable(error)));
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        search.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const words = query.trim().toLowerCase();
  const shown = (names ?? []).filter((name) => name.toLowerCase().includes(words));
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
          ref={search}
          id="permission-search"
          type="search"
          placeholder="Type to search… ( / )"
          aria-keyshortcuts="/"
          value={query}
          onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              setQuery('');
            }
          }}
        />
      </div>
      <Problem text={problem} />
      <p role="status">{names && `${shown.length} of ${names.length} permissions`}</p>
      <ul class="permissions">
        {shown.map((name) => (
          <li key={name}>
            <a href={`/explorer/${encodeURIComponent(name)}`}>{name}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
