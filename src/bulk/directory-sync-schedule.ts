// `portrait serve` keeps each tenant with `--ldap "… every=15m"` in step (SPEC §13): every few
// seconds it looks for tenants whose last sync started `every` ago or longer and syncs them, one at
// a time. Every node (and every worker) looks; the sync's lock lets one of them run it, and the
// others find it no longer due.
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { PhotoServiceDeps } from '../services/photo-service.js';
import type { Store } from '../store/store.js';
import { runDirectorySync } from './directory-sync.js';

/** How often the server looks for a tenant due for its sync. */
export const DIRECTORY_SYNC_TICK_MS = 5_000;

export interface DirectorySyncSchedule {
  /** Stops looking; a sync under way stops after the entry it is at, and is awaited. */
  stop(): Promise<void>;
}

export function scheduleDirectorySyncs(
  store: Store,
  photos: PhotoServiceDeps,
  logger: Logger,
  tickMs = DIRECTORY_SYNC_TICK_MS,
): DirectorySyncSchedule {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  // Photos of a background sync leave cores to the requests being served.
  const concurrency = Math.max(1, Math.floor(availableParallelism() / 2));

  const syncDue = async () => {
    for (const tenant of await store.directory.listTenants()) {
      const ldap = tenant.settings.ldap;
      if (!ldap?.everySeconds || stopping.signal.aborted) continue;
      const log = logger.child({ tenant: tenant.name, ldap: ldap.url });
      try {
        const report = await runDirectorySync(store, photos, tenant, ldap, {
          onlyIfDueSeconds: ldap.everySeconds,
          concurrency,
          signal: stopping.signal,
        });
        if (!report) continue;
        const summary = {
          users: report.users,
          photos: report.photos,
          failures: report.failures.slice(0, 20),
        };
        if (report.failures.length > 0)
          log.warn(summary, `directory sync: ${report.failures.length} entries failed`);
        else log.info(summary, 'directory sync done');
      } catch (error) {
        log.warn({ err: error }, `directory sync failed: ${(error as Error).message}`);
      }
    }
  };

  const timer = setInterval(() => {
    if (running) return;
    running = syncDue()
      .catch((error: unknown) => logger.warn({ err: error }, 'looking for directory syncs failed'))
      .finally(() => {
        running = undefined;
      });
  }, tickMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
