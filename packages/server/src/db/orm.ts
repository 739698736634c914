/**
 * MikroORM on PostgreSQL: the configuration shared by the API, the
 * `migrate` command and the tests. Migrations are listed explicitly
 * (`migrations/index.ts`), so they run the same from sources and from dist.
 */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from '../migrations/index.js';

export type Orm = MikroORM;

export interface OrmOptions {
  databaseUrl: string;
  /** Where `createMigration` writes new files (development only). */
  migrationsPath?: string;
  /** Connection pool size. Default 10. */
  poolMax?: number;
}

export function ormOptions(options: OrmOptions): Options {
  return {
    clientUrl: options.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Entities are read through the API's own views; never let the ORM guess.
    forceEntityConstructor: false,
    allowGlobalContext: false,
    debug: false,
    migrations: {
      tableName: 'healer_migrations',
      transactional: true,
      silent: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      ...(options.migrationsPath ? { path: options.migrationsPath, pathTs: options.migrationsPath } : {}),
      migrationsList: MIGRATIONS,
    },
  };
}

/** Connects (lazily: the first query opens the pool). */
export async function openOrm(options: OrmOptions): Promise<Orm> {
  return MikroORM.init({ ...ormOptions(options), connect: false });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
