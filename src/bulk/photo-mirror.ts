// `portrait photos mirror`: every user's photo from one Graph-compatible endpoint to another
// (Portrait or Microsoft Graph, either side), users matched by userPrincipalName (SPEC §1). The
// source's users are paged first; then each user's photo is compared by ETag with what the state
// file says was copied, and copied when it changed. Photos are never deleted at the target.
import pLimit from 'p-limit';
import { type GraphClient, GraphCallError } from './graph-client.js';
import type { MirrorState } from './mirror-state.js';

export interface MirrorOptions {
  /** Users copied at once (Graph allows 4 concurrent requests per app and mailbox). */
  concurrency: number;
  state: MirrorState;
  /** Aborting stops starting users; those in flight finish and are recorded. */
  signal?: AbortSignal;
  onUser?: (done: number, total: number) => void;
  /** Once the users are listed. */
  onUsers?: (total: number) => void;
}

export interface UserFailure {
  user: string;
  error: string;
}

export interface MirrorReport {
  users: number;
  copied: number;
  /** Unchanged since the last run, or done before an interruption. */
  skipped: number;
  noPhoto: number;
  failed: number;
  failures: UserFailure[];
  /** Stopped before every user was done: run again to resume. */
  interrupted: boolean;
}

interface SourceUser {
  id: string;
  userPrincipalName: string;
}

type Outcome = 'copied' | 'skipped' | 'noPhoto';

/** The metadata's `@odata.mediaEtag`, or null when the user has no photo. */
async function sourceEtag(from: GraphClient, user: SourceUser): Promise<string | null> {
  const reply = await from.send('GET', `/users/${user.id}/photo`, { ok: [200, 404] });
  if (reply.status === 404) return null;
  const metadata = JSON.parse(reply.bytes.toString('utf8')) as { '@odata.mediaEtag'?: string };
  return metadata['@odata.mediaEtag'] ?? '';
}

async function mirrorUser(
  from: GraphClient,
  to: GraphClient,
  state: MirrorState,
  user: SourceUser,
): Promise<Outcome> {
  if (state.doneThisRun(user.id)) return 'skipped';
  const etag = await sourceEtag(from, user);
  const before = state.recorded(user.id);
  if (etag === null || (etag !== '' && before?.etag === etag && before.upn === user.userPrincipalName)) {
    state.record(user.id, user.userPrincipalName, etag);
    return etag === null ? 'noPhoto' : 'skipped';
  }
  const photo = await from.send('GET', `/users/${user.id}/photo/$value`, { ok: [200, 404] });
  if (photo.status === 404) {
    state.record(user.id, user.userPrincipalName, null);
    return 'noPhoto';
  }
  try {
    await to.send('PUT', `/users/${encodeURIComponent(user.userPrincipalName)}/photo/$value`, {
      headers: { 'content-type': photo.headers.get('content-type') ?? 'image/jpeg' },
      body: photo.bytes,
      // Graph answers 200; a team's photo (not mirrored) would be 204.
      ok: [200, 204],
    });
  } catch (error) {
    if (error instanceof GraphCallError && error.status === 404) {
      throw new Error(`no user ${user.userPrincipalName} at ${to.base}`);
    }
    throw error;
  }
  // The metadata's ETag, the one compared next time. Should the photo have changed between the two
  // reads, the newer bytes were copied and the next run copies them once more: harmless.
  state.record(user.id, user.userPrincipalName, etag);
  return 'copied';
}

export async function mirrorPhotos(
  from: GraphClient,
  to: GraphClient,
  options: MirrorOptions,
): Promise<MirrorReport> {
  const users = await from.all<SourceUser>('/users?$select=id,userPrincipalName&$top=999');
  options.onUsers?.(users.length);
  const report: MirrorReport = {
    users: users.length,
    copied: 0,
    skipped: 0,
    noPhoto: 0,
    failed: 0,
    failures: [],
    interrupted: false,
  };
  let done = 0;
  const limit = pLimit(options.concurrency);
  await Promise.all(
    users.map((user) =>
      limit(async () => {
        if (options.signal?.aborted) {
          report.interrupted = true;
          return;
        }
        try {
          report[await mirrorUser(from, to, options.state, user)]++;
        } catch (error) {
          report.failures.push({ user: user.userPrincipalName, error: (error as Error).message });
        }
        options.onUser?.(++done, users.length);
      }),
    ),
  );
  report.failed = report.failures.length;
  report.failures.sort((a, b) => a.user.localeCompare(b.user));
  if (!report.interrupted) options.state.finish();
  return report;
}
