// Waiting for what another process or node wrote to show: SPEC §8 bounds it at 1 s.

/** Polls every `everyMs` for up to 1 s until `done`, then gives the last answer. */
export async function within1s<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + 1000;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await probe();
  }
  return value;
}
