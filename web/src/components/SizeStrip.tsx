// Every available size of a photo side by side, each with its pixel size and ETag.
import { useEffect, useState } from 'preact/hooks';
import { api, type Owner, type PhotoSize } from '../api.ts';
import { readable } from '../problems.ts';
import { Problem } from './Problem.tsx';

export function SizeStrip(props: { owner: Owner; sizes: PhotoSize[]; name: string }) {
  const { owner, sizes, name } = props;
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');

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
  return (
    <>
      <ul class="sizes" aria-label="Available sizes">
        {sizes.map((size) => (
          <li key={size.id}>
            <figure>
              {urls[size.id] ? (
                <img
                  src={urls[size.id]}
                  width={Math.min(size.width, 160)}
                  height={Math.min(size.height, 160)}
                  alt={`${name}, ${size.width} × ${size.height}`}
                />
              ) : (
                <span class="placeholder" style={{ width: `${Math.min(size.width, 160)}px` }} />
              )}
              <figcaption>
                <span class="dimensions">
                  {size.width} × {size.height}
                </span>
                <code class="etag">{size['@odata.mediaEtag']}</code>
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
      <Problem text={problem} />
    </>
  );
}
