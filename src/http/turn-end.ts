// Answers are written together at the end of the event loop's turn, not one by one as each is
// ready. Each socket write on loopback also wakes the reader: when the answers of a turn go out
// one at a time, between them spent parsing and deciding the next request, a client that keeps
// up is asleep again by the next one, and waking it costs the writer more than the answer did
// (in a VM several microseconds, the largest single cost of a photo read: docs/benchmarks.md).
// Written back to back, the first wakes it and the rest find it awake. The wait is the rest of
// the turn (the other requests that arrived with this one), well under a millisecond.

interface Queued {
  write: () => void;
  failed: (error: unknown) => void;
}

let queued: Queued[] = [];

function writeQueued(): void {
  const writes = queued;
  queued = [];
  for (const { write, failed } of writes) {
    try {
      write();
    } catch (error) {
      // One answer's failure must not keep the others of the turn from going out.
      failed(error);
    }
  }
}

/**
 * Runs `write` at the end of this turn of the event loop, with every other answer of the turn;
 * `failed` hears what it throws.
 */
export function atTurnEnd(write: () => void, failed: (error: unknown) => void): void {
  if (queued.length === 0) setImmediate(writeQueued);
  queued.push({ write, failed });
}
