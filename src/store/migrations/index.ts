// Schema migrations, in order. Never edit a released one: add the next.
import type { Migration, MigrationProvider } from 'kysely';
import { initialSchema } from './001-initial.js';
import { identitySchema } from './002-identity.js';
import { propertiesSchema } from './003-properties.js';
import { bulkAndAvatarsSchema } from './004-bulk-and-avatars.js';
import { permissionUsageSchema } from './005-permission-usage.js';
import { throttleCountersSchema } from './006-throttle-counters.js';
import { photoBytesSchema } from './007-photo-bytes.js';
import { directoryLinksSchema } from './008-directory-links.js';
import { blobObjectsSchema } from './009-blob-objects.js';

export const migrationProvider = (blobType: 'blob' | 'bytea'): MigrationProvider => ({
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '001-initial': initialSchema(blobType),
      '002-identity': identitySchema,
      '003-properties': propertiesSchema,
      '004-bulk-and-avatars': bulkAndAvatarsSchema,
      '005-permission-usage': permissionUsageSchema,
      '006-throttle-counters': throttleCountersSchema,
      '007-photo-bytes': photoBytesSchema(blobType),
      '008-directory-links': directoryLinksSchema,
      '009-blob-objects': blobObjectsSchema,
    };
  },
});
