// The Graph-shaped directory of SPEC §6: users, groups and teams, contacts; and the tenant's
// people settings (SPEC §8).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps.js';
import { contactRoutes } from './contact-routes.js';
import { groupRoutes } from './group-routes.js';
import { peopleSettingsRoutes } from './people-settings-routes.js';
import { userRoutes } from './user-routes.js';

export async function directoryRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  userRoutes(app, deps);
  groupRoutes(app, deps);
  contactRoutes(app, deps);
  peopleSettingsRoutes(app, deps);
}
