// A store is its ports, each speaking intent (replacePhotoSet, readVariant, …) and keeping its
// own transactions; SQLite and PostgreSQL plug in behind them through openStore().
import type { AppStore } from './app-store.js';
import type { AvatarStore } from './avatar-store.js';
import type { CounterStore } from './counter-store.js';
import type { DirectoryLinkStore } from './directory-link-store.js';
import type { DirectoryStore } from './directory-store.js';
import type { GroupStore } from './group-store.js';
import type { KeyStore } from './key-store.js';
import type { MailboxStore } from './mailbox-store.js';
import type { PhotoBytes } from './photo-bytes.js';
import type { PhotoStore } from './photo-store.js';
import type { VerifyReport } from './photo-sets.js';
import type { StoreSnapshot } from './store-snapshot.js';
import type { UsageStore } from './usage-store.js';

export interface Store {
  directory: DirectoryStore;
  groups: GroupStore;
  /** What each directory sync linked, and when each tenant last synced (SPEC §13). */
  directoryLinks: DirectoryLinkStore;
  mailbox: MailboxStore;
  /** Photo sets: metadata in the SQL store, bytes in `photoBytes` (photo-sets.ts). */
  photos: PhotoStore;
  /** Where photo bytes are kept, by key (SPEC §14: the database, S3, Azure Blob or a folder). */
  photoBytes: PhotoBytes;
  /**
   * Deletes the photo bytes nothing names any more that were last put over `graceMs` ago (1 h by
   * default): the bytes of deleted and replaced photos, and of uploads a crash cut off. `alone`:
   * only when no other node is collecting (PostgreSQL); otherwise nothing is done.
   */
  collectPhotoBytes(options?: {
    graceMs?: number;
    now?: number;
    alone?: boolean;
  }): Promise<{ deleted: number; kept: number }>;
  /** `portrait blobs verify`: every named key has its bytes; how many unnamed ones are past the grace time. */
  verifyPhotoBytes(options?: { graceMs?: number; now?: number }): Promise<VerifyReport>;
  avatars: AvatarStore;
  keys: KeyStore;
  apps: AppStore;
  usage: UsageStore;
  /** Throttling counters every node shares; absent where one node owns the store (SQLite). */
  sharedCounters?: CounterStore;
  /** `sqlite` or `postgres`, for /readyz and logs. */
  kind: string;
  /**
   * Changes whenever a cached look-up's answer may have changed (read-cache.ts): a write here or
   * by another process. Absent on a store without the read cache.
   */
  readGeneration?(): number;
  /** Every row a client can change, held in memory (store-snapshot.ts). */
  snapshot(): Promise<StoreSnapshot>;
  /** Puts back exactly what `snapshot` held, in one transaction. */
  restore(snapshot: StoreSnapshot): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
