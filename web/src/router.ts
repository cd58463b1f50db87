// The page app's routing: the browser's own history, a hook that follows it, and links that
// change it without reloading (a reload would lose the token, which lives in memory only).
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export interface Location {
  path: string;
  query: URLSearchParams;
}

const current = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) });

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): Location {
  const [here, setHere] = useState(current);
  useEffect(() => {
    const update = () => setHere(current());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return here;
}

/** A click on a same-origin link navigates in place (new tabs and modified clicks still work). */
export function followLink(event: MouseEvent): void {
  const anchor = (event.target as Element).closest('a');
  if (!anchor || anchor.origin !== location.origin || anchor.target || anchor.hasAttribute('download'))
    return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search + anchor.hash);
}
