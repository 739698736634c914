// Generates a migration with the MikroORM migrator: creates a scratch database,
// applies the migrations already listed, diffs the entities against it and
// writes the difference to src/migrations. Review the file, then list it in
// src/migrations/index.ts. Needs a build first (pnpm build).
//   HEALER_ADMIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/create-migration.mjs
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openOrm, migrateUp } from '../dist/db/orm.js';

const adminUrl = process.env.HEALER_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `healer_migration_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const orm = await openOrm({ databaseUrl: url.href, migrationsPath: fileURLToPath(new URL('../src/migrations', import.meta.url)) });
try {
  await migrateUp(orm);
  const initial = (await orm.getMigrator().getExecutedMigrations()).length === 0;
  const result = await orm.getMigrator().createMigration(undefined, false, initial);
  console.log(result.diff.up.length === 0 ? 'No changes.' : `Wrote ${result.fileName}`);
} finally {
  await orm.close(true);
  await admin.query(`DROP DATABASE ${name}`);
  await admin.end();
}
