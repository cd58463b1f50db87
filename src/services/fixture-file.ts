// Fixtures (SPEC §11): the tenants, users, groups, contacts, apps and photos a test suite declares
// once. This reads them — from an object or a JSON file — and checks them whole before anything
// is written: the JSON Schema that ships in the package (fixtures.schema.json), then what a schema
// cannot say (known roles and permissions, names used twice, photo files that exist). Every
// refusal names the JSON pointer of what is wrong: `/tenants/0/users/3/photo: no such file`.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { MIN_PASSWORD_LENGTH } from '../auth/credentials.js';
import { findDirectoryRole, knownRoleNames } from '../auth/directory-roles.js';
import { packageFile } from '../package-files.js';
import { canonicalPermissions } from './app-service.js';
import { MAX_PHOTO_BYTES } from './photo-service.js';
import { parseCorsOrigins, parseFaults } from './tenant-settings.js';

export interface FixtureUser {
  userPrincipalName: string;
  displayName: string;
  id?: string;
  mail?: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  accountEnabled?: boolean;
  roles?: string[];
  password?: string;
  photo?: string;
}

export interface FixtureGroup {
  displayName: string;
  id?: string;
  description?: string;
  mail?: string;
  owners?: string[];
  members?: string[];
  team?: boolean;
  photo?: string;
}

export interface FixtureContact {
  user: string;
  folder?: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  id?: string;
  photo?: string;
}

export interface FixtureApp {
  name: string;
  roles?: string[];
  granted?: boolean;
  scopes?: string[];
  clientSecret?: string;
  redirectUris?: string[];
  publicClient?: boolean;
}

export interface FixtureTenant {
  name: string;
  id?: string;
  settings?: {
    avatars?: 'off' | 'public';
    missingPhotoMetadata?: 'notFound' | 'placeholder';
    corsOrigins?: '*' | string[];
    faults?: string;
  };
  users?: FixtureUser[];
  groups?: FixtureGroup[];
  contacts?: FixtureContact[];
  apps?: FixtureApp[];
}

/** The fixtures JSON (fixtures.schema.json). */
export interface Fixtures {
  $schema?: string;
  tenants: FixtureTenant[];
}

/** Fixtures checked whole, with every photo's bytes read, by the JSON pointer of its `photo`. */
export interface LoadedFixtures {
  fixtures: Fixtures;
  photos: ReadonlyMap<string, Buffer>;
}

/** What is wrong with fixtures, and where: `pointer` is a JSON pointer into them. */
export class FixtureError extends Error {
  readonly code = 'FixtureError';
  constructor(
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${pointer || '/'}: ${reason}`);
    this.name = 'FixtureError';
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(value: unknown): readonly ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(packageFile('fixtures.schema.json'), 'utf8')) as object;
    validator = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false }).compile(
      schema,
    );
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** A key as a JSON pointer writes it (RFC 6901): `~` as `~0`, `/` as `~1`. */
const pointerToken = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** "A GUID such as …. Kept as …" → "a GUID such as …" */
const firstSentence = (text: string) => {
  const sentence = text.split(/\.(?:\s|$)/)[0]!;
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
};

/** One schema error in a person's words, at the pointer of the thing that is wrong. */
function schemaProblem(error: ErrorObject): FixtureError {
  const at = error.instancePath;
  const described = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params['additionalProperty']);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return new FixtureError(
        `${at}/${pointerToken(key)}`,
        `unknown key '${key}'; known here: ${known.join(', ')}`,
      );
    }
    case 'required':
      return new FixtureError(`${at}/${String(error.params['missingProperty'])}`, 'required, and missing');
    case 'enum':
      return new FixtureError(
        at,
        `must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`,
      );
    case 'pattern':
      if (described) return new FixtureError(at, `must be ${firstSentence(described)}`);
      if (/^\/tenants\/\d+\/name$/.test(at))
        return new FixtureError(at, 'must be letters, digits, dots, dashes or underscores (at most 64)');
      return new FixtureError(at, 'must not be empty or blank');
    case 'oneOf':
    case 'anyOf':
      // These schemas say what is wanted in their description ("Must be …", "Needs …").
      return new FixtureError(at, firstSentence(described ?? error.message ?? 'is not valid'));
    default:
      return new FixtureError(at, error.message ?? 'is not valid');
  }
}

/**
 * The most telling schema error: the deepest place wrong; there, a `oneOf`/`anyOf`'s own words
 * before those of its failing branches.
 */
function firstProblem(errors: readonly ErrorObject[]): FixtureError {
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  const umbrella = (e: ErrorObject) => (e.keyword === 'oneOf' || e.keyword === 'anyOf' ? 0 : 1);
  const [first] = [...errors].sort((a, b) => depth(b) - depth(a) || umbrella(a) - umbrella(b));
  return schemaProblem(first!);
}

const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/s;

/** `%XX` escapes as the bytes they name, other characters as their UTF-8 (RFC 2397, RFC 3986). */
const percentDecoded = (text: string): Buffer =>
  Buffer.concat(
    [...text.matchAll(/%([0-9a-f]{2})|[^%]+/gis)].map(([whole, hex]) =>
      hex ? Buffer.from([Number.parseInt(hex, 16)]) : Buffer.from(whole, 'utf8'),
    ),
  );

/** A `data:` URL's bytes, or undefined when `text` is not a valid one. */
function dataUrlBytes(text: string): Buffer | undefined {
  const match = DATA_URL.exec(text);
  if (!match) return undefined;
  const [, , parameters = '', data = ''] = match;
  if (parameters.split(';').includes('base64')) return Buffer.from(data, 'base64');
  // Every `%` must start an escape of two hex digits.
  return /%(?![0-9a-f]{2})/i.test(data) ? undefined : percentDecoded(data);
}

async function readPhoto(pointer: string, value: string, baseDir: string): Promise<Buffer> {
  let bytes = value.startsWith('data:') ? dataUrlBytes(value) : undefined;
  if (value.startsWith('data:') && !bytes) throw new FixtureError(pointer, 'not a valid data: URL');
  if (!bytes) {
    const path = resolve(baseDir, value);
    try {
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FixtureError(
        pointer,
        code === 'ENOENT' ? `no such file (${path})` : `cannot read ${path}: ${(error as Error).message}`,
      );
    }
  }
  if (bytes.length === 0) throw new FixtureError(pointer, 'the photo is empty');
  if (bytes.length > MAX_PHOTO_BYTES) {
    throw new FixtureError(
      pointer,
      `the photo is ${bytes.length} bytes; at most ${MAX_PHOTO_BYTES} are accepted`,
    );
  }
  return bytes;
}

/** Refuses a name used twice in one list (any case), at the second use. */
function once(seen: Map<string, string>, key: string, pointer: string, what: string): void {
  const first = seen.get(key.toLowerCase());
  if (first !== undefined) throw new FixtureError(pointer, `${what} '${key}' is already at ${first}`);
  seen.set(key.toLowerCase(), pointer);
}

/** What a schema cannot check: names given twice, known roles and permissions, settings' values. */
function checkMeaning(fixtures: Fixtures): void {
  const tenants = new Map<string, string>();
  fixtures.tenants.forEach((tenant, t) => {
    const at = `/tenants/${t}`;
    once(tenants, tenant.name, `${at}/name`, 'the tenant');
    if (tenant.id) once(tenants, tenant.id, `${at}/id`, 'the tenant id');
    const settings = tenant.settings ?? {};
    if (settings.faults !== undefined) attempt(`${at}/settings/faults`, () => parseFaults(settings.faults!));
    if (Array.isArray(settings.corsOrigins))
      attempt(`${at}/settings/corsOrigins`, () =>
        parseCorsOrigins((settings.corsOrigins as string[]).join(' ')),
      );
    const users = new Map<string, string>();
    (tenant.users ?? []).forEach((user, u) => {
      const here = `${at}/users/${u}`;
      once(users, user.userPrincipalName, `${here}/userPrincipalName`, 'the userPrincipalName');
      if (user.id) once(users, user.id, `${here}/id`, 'the id');
      (user.roles ?? []).forEach((role, r) => {
        if (!findDirectoryRole(role))
          throw new FixtureError(
            `${here}/roles/${r}`,
            `unknown directory role '${role}'; known roles: ${knownRoleNames().join(', ')}`,
          );
      });
      if (user.password !== undefined && user.password.length < MIN_PASSWORD_LENGTH)
        throw new FixtureError(`${here}/password`, `needs at least ${MIN_PASSWORD_LENGTH} characters`);
    });
    const groups = new Map<string, string>();
    (tenant.groups ?? []).forEach((group, g) => {
      once(groups, group.displayName, `${at}/groups/${g}/displayName`, 'the group');
    });
    const contacts = new Map<string, string>();
    (tenant.contacts ?? []).forEach((contact, c) => {
      // Without an id, a contact is known by its mailbox, folder and name: two alike would be one.
      if (contact.id) once(contacts, contact.id, `${at}/contacts/${c}/id`, 'the id');
      else {
        const key = [contact.user, contact.folder ?? '', contact.displayName ?? contact.email].join(' / ');
        once(contacts, key, `${at}/contacts/${c}`, 'the contact (user / folder / name)');
      }
    });
    const apps = new Map<string, string>();
    (tenant.apps ?? []).forEach((app, a) => {
      const here = `${at}/apps/${a}`;
      once(apps, app.name, `${here}/name`, 'the app');
      (app.roles ?? []).forEach((role, r) => {
        attempt(`${here}/roles/${r}`, () => canonicalPermissions([role], 'application'));
      });
      (app.scopes ?? []).forEach((scope, s) => {
        attempt(`${here}/scopes/${s}`, () => canonicalPermissions([scope], 'delegated'));
      });
      if (app.publicClient && app.clientSecret)
        throw new FixtureError(`${here}/clientSecret`, 'a public client has no secret');
    });
  });
}

function attempt(pointer: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw new FixtureError(pointer, (error as Error).message.replace(/^--[a-z-]+: /, ''));
  }
}

/** Every `photo` in the fixtures, by its JSON pointer. */
function photoFields(fixtures: Fixtures): [string, string][] {
  const found: [string, string][] = [];
  fixtures.tenants.forEach((tenant, t) => {
    for (const list of ['users', 'groups', 'contacts'] as const) {
      (tenant[list] ?? []).forEach((item, i) => {
        if (item.photo !== undefined) found.push([`/tenants/${t}/${list}/${i}/photo`, item.photo]);
      });
    }
  });
  return found;
}

/**
 * Reads and checks fixtures: `source` is the fixtures themselves, or the path of a JSON file
 * (photo paths are then relative to it; to `baseDir`, the working directory by default, otherwise).
 */
export async function loadFixtures(source: unknown, baseDir = process.cwd()): Promise<LoadedFixtures> {
  let fixtures = source;
  if (typeof source === 'string') {
    const path = resolve(source);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FixtureError('', code === 'ENOENT' ? `no fixtures file ${path}` : (error as Error).message);
    }
    try {
      fixtures = JSON.parse(text);
    } catch (error) {
      throw new FixtureError('', `${path} is not JSON: ${(error as Error).message}`);
    }
    baseDir = dirname(path);
  }
  const errors = validate(fixtures);
  if (errors.length > 0) throw firstProblem(errors);
  const checked = fixtures as Fixtures;
  checkMeaning(checked);
  const photos = new Map<string, Buffer>();
  for (const [pointer, value] of photoFields(checked))
    photos.set(pointer, await readPhoto(pointer, value, baseDir));
  return { fixtures: checked, photos };
}
