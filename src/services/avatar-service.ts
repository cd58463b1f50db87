// What /avatar/{hash} answers (SPEC §8): the photo of the user whose mail or userPrincipalName has
// that hash, in a tenant that made its avatars public, at the asked size; otherwise the default the
// URL asked for. Tenants with avatars off are invisible here: not their photos, not their names.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type AvatarImage, type DrawnDefault, drawnDefault, resizedPhoto } from '../image/avatar-images.js';
import type { PhotoSetInfo } from '../domain/photo-set.js';
import type { Tenant } from '../domain/tenant.js';
import type { AvatarCandidate } from '../store/avatar-store.js';
import type { Store } from '../store/store.js';
import { avatarsArePublic } from './tenant-settings.js';

/** What to answer when there is no photo to show (or `forceDefault` says not to show it). */
export type AvatarFallback =
  | { kind: 'notFound' }
  | { kind: 'redirect'; url: string }
  | { kind: 'drawn'; style: DrawnDefault };

export interface AvatarRequest {
  /** MD5 or SHA-256 of the trimmed, lower-cased email, as lower-case hex. */
  hash: string;
  /** Side in pixels. */
  size: number;
  fallback: AvatarFallback;
  forceDefault: boolean;
}

export type AvatarAnswer =
  | { kind: 'image'; image: AvatarImage; etag: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'notFound' };

interface AvatarOwner {
  tenant: Tenant;
  user: AvatarCandidate;
  set: PhotoSetInfo | undefined;
}

/**
 * Resized photos and drawn defaults are kept, bounded by bytes and entries (about 10,000 avatars
 * of 80 px). Photo keys carry the set's ETag, so a replaced photo is never served from here.
 */
const CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_ENTRIES = 20_000;

/**
 * When several users match one hash (the same address in two tenants, or one user's mail being
 * another's userPrincipalName), the first by: has a photo; matched on mail before
 * userPrincipalName; older tenant; then tenant id and user id. Deterministic, and it favours
 * showing a photo over showing none.
 */
function precedence(a: AvatarOwner, b: AvatarOwner): number {
  const rank = (o: AvatarOwner) => (o.set ? 0 : 2) + (o.user.matchedOn === 'mail' ? 0 : 1);
  return (
    rank(a) - rank(b) ||
    a.tenant.createdAt.localeCompare(b.tenant.createdAt) ||
    a.tenant.id.localeCompare(b.tenant.id) ||
    a.user.userId.localeCompare(b.user.userId)
  );
}

const bytesEtag = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

export class AvatarService {
  private readonly images = new LRUCache<string, { image: AvatarImage; etag: string }>({
    max: CACHE_ENTRIES,
    maxSize: CACHE_BYTES,
    sizeCalculation: (entry) => entry.image.bytes.length + 256,
  });
  /** One rendering per key at a time, however many requests ask for it at once. */
  private readonly rendering = new Map<string, Promise<{ image: AvatarImage; etag: string }>>();

  constructor(
    private readonly store: Pick<Store, 'directory' | 'photos' | 'avatars'>,
    private readonly jpegQuality: number,
  ) {}

  async answer(request: AvatarRequest): Promise<AvatarAnswer> {
    const owner = await this.owner(request.hash);
    if (owner?.set && !request.forceDefault) {
      const photo = await this.photo(owner, owner.set, request.size);
      if (photo) return photo;
    }
    const { fallback } = request;
    if (fallback.kind === 'notFound') return fallback;
    if (fallback.kind === 'redirect') return { kind: 'redirect', location: fallback.url };
    // Initials need a name; an address nobody public has gets the mystery person instead.
    const style = fallback.style === 'initials' && !owner ? 'mp' : fallback.style;
    const seed = style === 'identicon' ? request.hash : style === 'initials' ? owner!.user.displayName : '';
    return this.rendered(`drawn\u0000${style}\u0000${seed}\u0000${request.size}`, async () => {
      const image = await drawnDefault(style, seed, request.size);
      return { image, etag: bytesEtag(image.bytes) };
    });
  }

  private async owner(hash: string): Promise<AvatarOwner | undefined> {
    const owners: AvatarOwner[] = [];
    for (const user of await this.store.avatars.findByEmailHash(hash)) {
      const tenant = await this.store.directory.findTenant(user.tenantId);
      if (!tenant || !avatarsArePublic(tenant.settings)) continue;
      owners.push({ tenant, user, set: await this.store.photos.readPhotoSet(user.tenantId, user.userId) });
    }
    return owners.sort(precedence)[0];
  }

  /** The stored size at or above `size` (the largest when none is), scaled to `size` when not equal. */
  private async photo(
    owner: AvatarOwner,
    set: PhotoSetInfo,
    size: number,
  ): Promise<AvatarAnswer | undefined> {
    const source = set.variants.find((v) => v.width >= size) ?? set.variants.at(-1)!;
    const variant = await this.store.photos.readVariant(owner.tenant.id, owner.user.userId, source.sizeId);
    // Deleted since the set was read: answer as if there were no photo.
    if (!variant) return undefined;
    const etag = `${variant.etag}-${size}`;
    if (variant.width === size) {
      return { kind: 'image', image: { contentType: 'image/jpeg', bytes: variant.bytes }, etag };
    }
    const key = `photo\u0000${owner.tenant.id}\u0000${owner.user.userId}\u0000${etag}`;
    return this.rendered(key, async () => ({
      image: await resizedPhoto(variant.bytes, size, this.jpegQuality),
      etag,
    }));
  }

  private async rendered(
    key: string,
    render: () => Promise<{ image: AvatarImage; etag: string }>,
  ): Promise<AvatarAnswer> {
    let entry = this.images.get(key);
    if (!entry) {
      let pending = this.rendering.get(key);
      if (!pending) {
        pending = render().finally(() => this.rendering.delete(key));
        this.rendering.set(key, pending);
      }
      entry = await pending;
      this.images.set(key, entry);
    }
    return { kind: 'image', ...entry };
  }
}
