// The shared throttling counters port (SPEC §8, §10), on stores every node shares.

/** Requests counted in one throttling window, by one node since its last report. */
export interface CounterDelta {
  key: string;
  /** Window start, ms since the epoch. */
  windowStart: number;
  windowMs: number;
  delta: number;
}

/** A node asking for up to `want` admissions of a window whose limit is `limit`. */
export interface CounterReservation {
  key: string;
  /** Window start, ms since the epoch. */
  windowStart: number;
  windowMs: number;
  want: number;
  limit: number;
}

/**
 * Throttling counters shared by every node on one store (SPEC §8, §10): nodes reserve admissions
 * of a window, never more in all than its limit, and add or give back counts.
 */
export interface CounterStore {
  /**
   * Adds to the window's counter as many as fit under the limit, up to `want`, in one atomic step:
   * how many were granted (0 when the window is full) and the counter after.
   */
  reserve(reservation: CounterReservation): Promise<{ granted: number; total: number }>;
  /** Adds each delta (negative: given back) to its window's counter; the totals after, in order. */
  addCounts(deltas: readonly CounterDelta[]): Promise<number[]>;
  /** Drops counters of windows that ended before `now` (ms). */
  forgetCountsBefore(now: number): Promise<void>;
}
