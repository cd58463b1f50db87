// Entity tags of photo bytes: strong, quoted on the wire, unquoted in the store.

export const quoteEtag = (etag: string) => `"${etag}"`;

function parseList(header: string): { weak: boolean; value: string }[] | '*' {
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const weak = part.startsWith('W/');
      const quoted = weak ? part.slice(2) : part;
      return { weak, value: quoted.replace(/^"(.*)"$/, '$1') };
    });
}

/** `If-None-Match` uses weak comparison: `W/"X"` matches `"X"`. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = parseList(header);
  return tags === '*' || tags.some((t) => t.value === etag);
}

/** `If-Match` uses strong comparison: weak tags never match. Undefined when the header is absent. */
export function ifMatchList(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const tags = parseList(header);
  return tags === '*' ? ['*'] : tags.filter((t) => !t.weak).map((t) => t.value);
}
