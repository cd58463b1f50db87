// Every available size of a photo, drawn to one scale so that each looks as much larger than the
// last as it is, with its pixel size on it, in rows that wrap; and the ETag the sizes share.
import { useEffect, useState } from 'preact/hooks';
import { api, type Owner, type PhotoSize } from '../api.ts';
import { readable } from '../problems.ts';
import { Problem } from './Problem.tsx';

/**
 * Half size where there is room (648 px drawn at 324, 48 at 24), a third on a phone: the nine
 * sizes then take three rows at 360 px wide, not a column two thousand pixels tall.
 */
const NARROW = '(max-width: 40rem)';
const SCALES = { wide: { factor: 1 / 2, words: 'half' }, narrow: { factor: 1 / 3, words: 'a third of' } };

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia(NARROW).matches);
  useEffect(() => {
    const query = matchMedia(NARROW);
    const changed = () => setNarrow(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return narrow;
}

export function SizeStrip(props: { owner: Owner; sizes: PhotoSize[]; name: string }) {
  const { owner, sizes, name } = props;
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');
  const scale = SCALES[useNarrow() ? 'narrow' : 'wide'];

  useEffect(() => {
    let alive = true;
    const made: string[] = [];
    Promise.all(sizes.map(async (size) => [size.id, (await api.photo(owner, size.id)).url] as const))
      .then((pairs) => {
        made.push(...pairs.map(([, url]) => url));
        if (alive) setUrls(Object.fromEntries(pairs));
      })
      .catch((error: unknown) => alive && setProblem(readable(error)));
    return () => {
      alive = false;
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [owner, sizes]);

  if (sizes.length === 0) return <p>There is no photo yet.</p>;
  const etags = [...new Set(sizes.map((size) => size['@odata.mediaEtag']))];
  return (
    <>
      <p class="hint">
        {sizes.length === 1 ? 'One size' : `${sizes.length} sizes`}, drawn at {scale.words} their size so they
        compare.
      </p>
      <ul class="sizes" aria-label="Available sizes">
        {sizes.map((size) => {
          const box = {
            width: `${Math.max(1, Math.round(size.width * scale.factor))}px`,
            height: `${Math.max(1, Math.round(size.height * scale.factor))}px`,
          };
          return (
            <li key={size.id}>
              <figure>
                {urls[size.id] ? (
                  <img src={urls[size.id]} style={box} alt={`${name}, ${size.width} × ${size.height}`} />
                ) : (
                  <span class="placeholder" style={box} />
                )}
                <figcaption>
                  <span class="dimensions">
                    {size.width} × {size.height}
                  </span>
                  {etags.length > 1 && (
                    <>
                      {' '}
                      <code class="etag">{size['@odata.mediaEtag']}</code>
                    </>
                  )}
                </figcaption>
              </figure>
            </li>
          );
        })}
      </ul>
      {etags.length === 1 && (
        <p class="hint">
          {sizes.length === 1 ? 'ETag' : 'ETag of every size'}: <code class="etag">{etags[0]}</code>
        </p>
      )}
      <Problem text={problem} />
    </>
  );
}
