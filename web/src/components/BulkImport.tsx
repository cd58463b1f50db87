// Many photos at once: dropped files named after their user (`adele@contoso.com.jpg`), each
// uploaded as that user's photo, with a progress bar and a line per file of what happened.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { readable } from '../problems.ts';
import { DropZone } from './DropZone.tsx';

interface Result {
  file: string;
  user: string;
  ok: boolean;
  message: string;
}

/** Two at a time: the server processes uploads on its cores, and others use it too. */
const CONCURRENCY = 2;

const userOf = (fileName: string) => fileName.replace(/\.(jpe?g|png|gif|webp|avif|tiff?)$/i, '');

export function BulkImport() {
  const [files, setFiles] = useState<File[]>([]);
  const [done, setDone] = useState(0);
  const [running, setRunning] = useState(false);
  const [results, setResults] = useState<Result[]>([]);

  useEffect(() => {
    document.title = 'Bulk import · Portrait';
  }, []);

  async function run() {
    setRunning(true);
    setDone(0);
    const found: Result[] = [];
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const user = userOf(file.name);
        try {
          await api.uploadPhoto({ kind: 'user', id: user }, file, () => {});
          found.push({ file: file.name, user, ok: true, message: 'Imported' });
        } catch (error) {
          found.push({ file: file.name, user, ok: false, message: readable(error) });
        }
        setDone((n) => n + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    setResults(found.sort((a, b) => a.file.localeCompare(b.file)));
    setRunning(false);
  }

  const failed = results.filter((r) => !r.ok).length;
  return (
    <section aria-labelledby="import-title">
      <h1 id="import-title">Bulk import</h1>
      <p>
        Name each picture after its user's sign-in name or id, such as <code>adele@contoso.com.jpg</code>.
        Each becomes that user's photo, as it is (no cropping). You need an administrator role to change other
        people's photos.
      </p>
      <DropZone
        id="import-files"
        label="Choose pictures"
        hint="or drop them here"
        multiple
        onFiles={(chosen) => {
          setFiles(chosen);
          setResults([]);
        }}
      />
      {files.length > 0 && (
        <div class="actions">
          <button type="button" onClick={run} disabled={running}>
            Import {files.length} {files.length === 1 ? 'photo' : 'photos'}
          </button>
        </div>
      )}
      {(running || results.length > 0) && (
        <label class="progress">
          {running ? 'Importing' : 'Done'}
          <progress max={files.length} value={done} />
        </label>
      )}
      {results.length > 0 && (
        <>
          <p role="status">
            {results.length - failed} imported, {failed} failed.
          </p>
          <div class="table-wrap">
            <table class="results">
              <caption class="visually-hidden">What happened to each file</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">User</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r) => (
                  <tr key={r.file} class={r.ok ? 'ok' : 'failed'}>
                    <td>{r.file}</td>
                    <td>{r.user}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
