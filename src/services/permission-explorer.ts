// The permissions explorer's data (SPEC §8, seed 000), generated from the tables enforcement
// reads: the permissions Portrait knows (graph-permissions), the photo endpoints (endpoint
// matrix), the tenant settings endpoints, and who may call them (permission matrix). A method is listed for a permission and a
// column when a token holding only that permission may call it — given the caller's own objects,
// or an admin role, where the matrix asks for one. Nothing here restates a table.
import { findPermission, GRAPH_PERMISSIONS, type GraphPermission } from '../auth/graph-permissions.js';
import { type PermissionColumn, permissionRule, photoAction } from '../auth/permission-matrix.js';
import { API_VERSIONS, type ApiVersion, type EndpointLine, endpointLines } from '../graph/endpoint-matrix.js';
import { SETTINGS_ENDPOINTS } from '../graph/settings-endpoints.js';

/** The two columns the explorer toggles between (seed 000's Delegated / App-only). */
export type ExplorerColumn = Extract<PermissionColumn, 'delegated' | 'application'>;
export const EXPLORER_COLUMNS: readonly ExplorerColumn[] = ['delegated', 'application'];

export interface PowerShellCommand {
  version: ApiVersion;
  cmdlet: string;
  /** The method lines it calls. */
  methods: string[];
}

export interface ExplorerPermission {
  name: string;
  delegated: { title: string; description: string; adminConsent: boolean } | null;
  application: { title: string; description: string } | null;
  methods: Record<ApiVersion, Record<ExplorerColumn, string[]>>;
  powershell: PowerShellCommand[];
}

const isWrite = (line: EndpointLine) => line.rule.operation === 'replace' || line.rule.operation === 'delete';

/**
 * Whether a token of this column holding only `permission` may call the line. `/me` is the
 * caller (delegated only); `/users/{id}` may be the caller too, so a delegated self permission
 * lists it.
 */
function grantsPhoto(permission: string, column: ExplorerColumn, line: EndpointLine): boolean {
  const access = isWrite(line) ? 'write' : 'read';
  const me = line.ownerPath.startsWith('/me');
  if (me && column === 'application') return false;
  const selves =
    line.owner === 'user' ? (me ? [true] : column === 'delegated' ? [true, false] : [false]) : [false];
  return selves.some((self) =>
    permissionRule(photoAction(line.owner, access, self))[column]?.includes(permission),
  );
}

/** Microsoft Graph PowerShell's cmdlet for a photo line, e.g. `Set-MgBetaUserPhotoContent`. */
function photoCmdlet(line: EndpointLine, version: ApiVersion): string | undefined {
  const noun = {
    user: 'UserPhoto',
    group: 'GroupPhoto',
    team: 'TeamPhoto',
    contact: line.ownerPath.includes('contactfolders') ? 'UserContactFolderContactPhoto' : 'UserContactPhoto',
    joinedGroup: undefined,
  }[line.owner];
  if (!noun) return undefined;
  const verb = { GET: 'Get', PUT: 'Set', PATCH: 'Set', DELETE: 'Remove' }[line.rule.method];
  const content = line.rule.resource.endsWith('$value') ? 'Content' : '';
  return `${verb}-Mg${version === 'beta' ? 'Beta' : ''}${noun}${content}`;
}

/** A method line the explorer may list, whether a permission grants it, and its cmdlet. */
interface ListedLine {
  line: string;
  grants(permission: string, column: ExplorerColumn): boolean;
  cmdlet: string | undefined;
}

/** The photo endpoints, then the settings endpoints, of a version. */
function listedLines(version: ApiVersion): ListedLine[] {
  const photos = endpointLines(version).map((line) => ({
    line: line.line,
    grants: (permission: string, column: ExplorerColumn) => grantsPhoto(permission, column, line),
    cmdlet: photoCmdlet(line, version),
  }));
  const settings = SETTINGS_ENDPOINTS.filter((endpoint) => endpoint.versions.includes(version)).flatMap(
    (endpoint) =>
      Object.entries(endpoint.methods).map(([method, action]) => ({
        line: `${method} ${endpoint.path}`,
        grants: (permission: string, column: ExplorerColumn) =>
          permissionRule(action)[column]?.includes(permission) ?? false,
        // Microsoft Graph PowerShell names the photoUpdateSettings cmdlets after the path.
        cmdlet: `${method === 'GET' ? 'Get' : 'Update'}-Mg${version === 'beta' ? 'Beta' : ''}AdminPeoplePhotoUpdateSetting`,
      })),
  );
  return [...photos, ...settings];
}

function powershellFor(permission: string): PowerShellCommand[] {
  const commands: PowerShellCommand[] = [];
  for (const version of API_VERSIONS) {
    const byCmdlet = new Map<string, string[]>();
    for (const { line, grants, cmdlet } of listedLines(version)) {
      if (!cmdlet || !EXPLORER_COLUMNS.some((column) => grants(permission, column))) continue;
      byCmdlet.set(cmdlet, [...(byCmdlet.get(cmdlet) ?? []), line]);
    }
    for (const [name, methods] of [...byCmdlet].sort(([a], [b]) => a.localeCompare(b))) {
      commands.push({ version, cmdlet: name, methods });
    }
  }
  return commands;
}

export const explorerPermissionNames = (): string[] => GRAPH_PERMISSIONS.map((p) => p.name);

function describe(permission: GraphPermission): ExplorerPermission {
  const methods = Object.fromEntries(
    API_VERSIONS.map((version) => [
      version,
      Object.fromEntries(
        EXPLORER_COLUMNS.map((column) => [
          column,
          permission[column]
            ? listedLines(version)
                .filter((listed) => listed.grants(permission.name, column))
                .map((listed) => listed.line)
            : [],
        ]),
      ),
    ]),
  ) as ExplorerPermission['methods'];
  return {
    name: permission.name,
    delegated: permission.delegated ?? null,
    application: permission.application ?? null,
    methods,
    powershell: powershellFor(permission.name),
  };
}

/** One permission's page data, by name in any case; undefined for a name Portrait does not know. */
export function explorerPermission(name: string): ExplorerPermission | undefined {
  const permission = findPermission(name);
  return permission && describe(permission);
}
