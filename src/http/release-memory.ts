// A full garbage collection, run once uploads have gone quiet: the 4 MiB request bodies and
// image buffers of a burst live outside V8's heap and are only freed when V8 collects the objects
// holding them, which an idle process may not do for a long time (docs/benchmarks.md).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Quiet time after the last upload before collecting. */
const QUIET_MS = 1000;

let timer: NodeJS.Timeout | undefined;

/** Schedules a collection after a quiet second; a new call restarts the wait. */
export function releaseMemorySoon(): void {
  clearTimeout(timer);
  timer = setTimeout(gc, QUIET_MS);
  timer.unref();
}

/** A new upload started: the collection waits for the next quiet second. */
export function holdMemoryRelease(): void {
  clearTimeout(timer);
}
