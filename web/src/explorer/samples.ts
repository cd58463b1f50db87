// Code that calls one method line against this server, in the four languages of seed 000: the
// Graph SDKs for C# and Python with their base URL changed, the Graph JavaScript client with
// Portrait as a custom host, and Microsoft Graph PowerShell with Portrait as an environment.

export interface Sample {
  language: 'C#' | 'JavaScript' | 'PowerShell' | 'Python';
  code: string;
}

interface Segment {
  name: string;
  key?: string;
}

/** `/users/{id | userPrincipalName}/photos/{size}/$value` → segments with their keys. */
function segments(path: string): Segment[] {
  const parts = path.split('/').filter(Boolean);
  const out: Segment[] = [];
  for (let i = 0; i < parts.length; i++) {
    const next = parts[i + 1];
    if (next?.startsWith('{')) {
      out.push({ name: parts[i]!, key: placeholder(parts[i]!, next) });
      i++;
    } else out.push({ name: parts[i]! });
  }
  return out;
}

/** The value a reader replaces: `{user-id}`, `{group-id}`, `48x48`. */
function placeholder(collection: string, key: string): string {
  if (key === '{size}') return '48x48';
  const singular: Record<string, string> = {
    users: 'user-id',
    groups: 'group-id',
    teams: 'team-id',
    contacts: 'contact-id',
    contactfolders: 'contactFolder-id',
    joinedGroups: 'group-id',
  };
  return `{${singular[collection] ?? 'id'}}`;
}

const pascal = (name: string) => (name === '$value' ? 'Content' : name[0]!.toUpperCase() + name.slice(1));
const snake = (name: string) =>
  name === '$value' ? 'content' : name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Python's `by_…_id` accessors name the item type: users → by_user_id, photos → by_profile_photo_id. */
const pythonItem = (collection: string) =>
  ({
    users: 'by_user_id',
    groups: 'by_group_id',
    teams: 'by_team_id',
    contacts: 'by_contact_id',
    contactfolders: 'by_contact_folder_id',
    joinedGroups: 'by_group_id',
    photos: 'by_profile_photo_id',
  })[collection] ?? 'by_id';

export function samples(line: string, origin: string, version: 'v1.0' | 'beta'): Sample[] {
  const [method, path] = line.split(' ', 2) as [string, string];
  const parts = segments(path);
  const url = `/${parts.map((s) => (s.key ? `${s.name}/${s.key}` : s.name)).join('/')}`;
  const base = `${origin}/${version}`;
  const host = new URL(origin).hostname;
  // A photo upload sends bytes; other writes (photoUpdateSettings) send JSON.
  const upload = (method === 'PUT' || method === 'PATCH') && path.endsWith('$value');
  const json = method === 'PATCH' && !upload;
  const body = '{ "allowedRoles": ["024906de-61e5-49c8-8572-40335f1e0e10"] }';
  const csharpPath = parts
    .map(
      (s) =>
        `${pascal(s.name === 'contactfolders' ? 'contactFolders' : s.name)}${s.key ? `["${s.key}"]` : ''}`,
    )
    .join('.');
  const pythonPath = parts
    .map(
      (s) =>
        `${snake(s.name === 'contactfolders' ? 'contactFolders' : s.name)}${s.key ? `.${pythonItem(s.name)}("${s.key}")` : ''}`,
    )
    .join('.');
  const verb = { GET: 'Get', PUT: 'Put', PATCH: upload ? 'Put' : 'Patch', DELETE: 'Delete' }[method] ?? 'Get';
  const note =
    method === 'PATCH' && upload ? '// PATCH replaces the photo as PUT does; the SDK sends PUT.\n' : '';
  const argument = upload ? 'photo' : json ? 'body' : '';
  return [
    {
      language: 'C#',
      code:
        `// Microsoft.Graph 5: the same client, its base URL set to this server.\n` +
        `graphClient.RequestAdapter.BaseUrl = "${base}";\n${note}` +
        `${upload ? 'using var photo = File.OpenRead("photo.jpg");\n' : ''}` +
        `${json ? 'var body = new PhotoUpdateSettings { AllowedRoles = new() { "024906de-61e5-49c8-8572-40335f1e0e10" } };\n' : ''}` +
        `${method === 'GET' ? 'var result = ' : ''}await graphClient.${csharpPath}.${verb}Async(${argument});`,
    },
    {
      language: 'JavaScript',
      code:
        `// @microsoft/microsoft-graph-client 3: it sends tokens only to Graph hosts or customHosts.\n` +
        `const client = Client.init({ baseUrl: '${origin}', customHosts: new Set(['${host}']), authProvider });\n` +
        `${method === 'GET' ? 'const result = ' : ''}await client.api('${url}')${version === 'beta' ? ".version('beta')" : ''}` +
        `${upload ? ".header('Content-Type', 'image/jpeg')" : ''}.${method === 'PATCH' ? 'patch' : method === 'PUT' ? 'put' : method === 'DELETE' ? 'delete' : 'get'}(${upload ? 'bytes' : json ? body : ''});`,
    },
    {
      language: 'PowerShell',
      code:
        `# Microsoft Graph PowerShell, with this server as an environment.\n` +
        `Add-MgEnvironment -Name Portrait -GraphEndpoint '${origin}' -AzureADEndpoint '${origin}'\n` +
        `Connect-MgGraph -Environment Portrait -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force)\n` +
        `Invoke-MgGraphRequest -Method ${method} -Uri '/${version}${url}'` +
        `${upload ? " -InputFilePath 'photo.jpg' -ContentType 'image/jpeg'" : ''}` +
        `${json ? ` -Body '${body}'` : ''}` +
        `${method === 'GET' && path.endsWith('$value') ? " -OutputFilePath 'photo.jpg'" : ''}`,
    },
    {
      language: 'Python',
      code:
        `# msgraph-sdk: the same client, its base URL set to this server.\n` +
        `graph_client.request_adapter.base_url = "${base}"\n` +
        `${upload ? 'photo = open("photo.jpg", "rb").read()\n' : ''}` +
        `${json ? 'body = PhotoUpdateSettings(allowed_roles=["024906de-61e5-49c8-8572-40335f1e0e10"])\n' : ''}` +
        `${method === 'GET' ? 'result = ' : ''}await graph_client.${pythonPath}.${method === 'DELETE' ? 'delete' : upload ? 'put' : json ? 'patch' : 'get'}(${argument})`,
    },
  ];
}
