import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationEntity, ExecutionEntity, LockEntity, ServerEntity, TimelineEventEntity } from '../src/db/entities.js';
import { migrateUp, openOrm, type Orm } from '../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
let orm: Orm;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openOrm({ databaseUrl: db.url });
  await migrateUp(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

describe('schema', () => {
  it('keeps one application per (server, path)', async () => {
    const em = orm.em.fork();
    const server = randomUUID();
    em.create(ServerEntity, { id: server, name: 's1', host: 'h', user: 'u', authKind: 'agent' });
    em.create(ApplicationEntity, { server, path: '/var/www/a', stack: 'wordpress' });
    await em.flush();
    const again = orm.em.fork();
    again.create(ApplicationEntity, { server, path: '/var/www/a', stack: 'nodejs' });
    await expect(again.flush()).rejects.toThrow(/applications_server_id_path_unique/);
  });

  it('timeline events: unique (execution, seq), append-only, deleted with their execution', async () => {
    const em = orm.em.fork();
    em.create(ExecutionEntity, { id: 'ex_test_1', kind: 'heal', state: 'PENDING' });
    em.create(TimelineEventEntity, { execution: 'ex_test_1', seq: 1, type: 'started', at: new Date(), data: {} });
    await em.flush();
    const dup = orm.em.fork();
    dup.create(TimelineEventEntity, { execution: 'ex_test_1', seq: 1, type: 'again', at: new Date(), data: {} });
    await expect(dup.flush()).rejects.toThrow(/timeline_events_execution_id_seq_unique/);

    const conn = orm.em.fork().getConnection();
    await expect(conn.execute(`update timeline_events set type = 'changed'`)).rejects.toThrow(/append-only/);
    await conn.execute(`insert into audit_events (actor_name, action, at) values ('t', 'x', now())`);
    await expect(conn.execute(`update audit_events set action = 'y'`)).rejects.toThrow(/append-only/);
    await conn.execute(`delete from executions where id = 'ex_test_1'`);
    expect(await conn.execute(`select count(*)::int as n from timeline_events`)).toEqual([{ n: 0 }]);
  });

  it('stores a lock fencing token as bigint beyond 2^53', async () => {
    const em = orm.em.fork();
    em.create(LockEntity, { key: 'app:x', token: '9007199254740993', owner: 'w1', expiresAt: new Date() });
    await em.flush();
    const lock = await orm.em.fork().findOneOrFail(LockEntity, { key: 'app:x' });
    expect(lock.token).toBe('9007199254740993');
  });
});
