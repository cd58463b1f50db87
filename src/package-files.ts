// Files of the package itself (package.json, fixtures.schema.json): found from this module's own
// place, which is src/ under tsx in a clone and dist/src/ in a build or an installed package.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOTS = ['../', '../../'].map((up) => fileURLToPath(new URL(up, import.meta.url)));

/** The package's root: the nearest folder above this module that holds its package.json. */
export const packageRoot = (): string =>
  ROOTS.find((root) => existsSync(join(root, 'package.json'))) ?? ROOTS[0]!;

/** The path of a file of the package, relative to its root. */
export const packageFile = (relative: string): string => join(packageRoot(), relative);
