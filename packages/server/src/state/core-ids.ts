/**
 * How the server's rows map to core's names: a server is the host
 * `ssh://user@host:port` (what its `SshExecutor` calls itself), and an
 * application is core's `appIdFor(host, path)`, the id its executions,
 * backups and breaker records carry. Core's ids are hashes, so going back
 * from one to the application means hashing the applications.
 */
import { appIdFor } from '@healer/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationEntity, type Application, type Server } from '../db/entities.js';
import { hostOf } from '../fleet/executors.js';

/** Core's id of an application (its server loaded). */
export function coreAppIdOf(app: Pick<Application, 'path'> & { server: Pick<Server, 'user' | 'host' | 'port'> }): string {
  return appIdFor(hostOf(app.server), app.path);
}

/** The application, with its server, and its core id; null when there is no such application. */
export async function findApplicationWithCoreId(em: EntityManager, id: string): Promise<{ app: Application; appId: string } | null> {
  const app = await em.findOne(ApplicationEntity, { id }, { populate: ['server'] });
  return app === null ? null : { app, appId: coreAppIdOf(app) };
}

/** Application ids by core id, for the core ids asked for (every application is hashed once). */
export async function applicationsByCoreId(em: EntityManager, coreIds: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(coreIds);
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  const apps = await em.find(ApplicationEntity, {}, { populate: ['server'], fields: ['id', 'path', 'server.user', 'server.host', 'server.port'] });
  for (const app of apps) {
    const coreId = coreAppIdOf(app);
    if (wanted.has(coreId)) found.set(coreId, app.id);
  }
  return found;
}
