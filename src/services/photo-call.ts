// Whether a photo call may go ahead (SPEC §3, §5), decided from everything but its body: the Graph
// path, the method, the owner in the caller's tenant, the tenant's kind and the permission matrix.
// The photo route and the fast read path (http/fast-photo-read.ts) both take their answer from
// here, so a faster path can never skip a check. Refusals are the Graph errors of SPEC §9.
import { authorize, type Grant } from '../auth/authorize.js';
import { photoAction } from '../auth/permission-matrix.js';
import type { Authenticated } from '../auth/verification.js';
import { methodNotAllowed, notSupportedInB2c } from '../errors.js';
import {
  allowedMethods,
  type ApiVersion,
  type EndpointRule,
  findRule,
  type PhotoMethod,
  type PhotoResource,
} from '../graph/endpoint-matrix.js';
import { type PhotoTarget, parsePhotoPath } from '../graph/photo-path.js';
import { type DirectoryPorts, type ResolvedOwner, resolveOwner } from './owner-resolver.js';

const WRITE_OPERATIONS = new Set(['replace', 'delete']);

/** Every decision about a photo call that needs no body; throws the Graph error that refuses it. */
export async function decidePhotoCall(
  ports: DirectoryPorts,
  version: ApiVersion,
  auth: Authenticated,
  method: string,
  url: string,
): Promise<{ target: PhotoTarget; rule: EndpointRule; owner: ResolvedOwner; grant: Grant }> {
  const target = parsePhotoPath(version, url.split('?')[0]!.slice(version.length + 1));
  const photoMethod = (method === 'HEAD' ? 'GET' : method) as PhotoMethod;
  const rule = findRule(target.resource, target.owner.kind, version, photoMethod);
  if (!rule) {
    // `PUT /me/photo` is a common slip for `PUT /me/photo/$value`: say so.
    const onBytes = findRule(
      `${target.resource}/$value` as PhotoResource,
      target.owner.kind,
      version,
      photoMethod,
    );
    const hint = onBytes
      ? `Photo bytes are sent to $value: ${method} ${url.split('?')[0]}/$value.`
      : undefined;
    throw methodNotAllowed(method, allowedMethods(target.resource, target.owner.kind, version), hint);
  }
  if (auth.tenant.settings.b2c) throw notSupportedInB2c();
  const owner = await resolveOwner(ports, auth.caller, target.owner);
  const access = WRITE_OPERATIONS.has(rule.operation) ? 'write' : 'read';
  const grant = authorize(auth.caller, photoAction(owner.kind, access, owner.self), {
    ...owner.access,
    photoUpdateRoles: auth.tenant.settings.photoUpdateSettings.allowedRoles,
  });
  return { target, rule, owner, grant };
}
