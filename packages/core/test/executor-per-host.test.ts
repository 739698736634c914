/**
 * One executor per host: heal, rollback, recover and backups.prune act on
 * each record's own host through `executorFor(host)`, never through the
 * default executor; a host without an executor fails with HOST_UNKNOWN and
 * changes nothing. Two local executors wrapped to report distinct hosts (and
 * record their calls), then a real SshExecutor against a real sshd.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appIdFor, createHealer, FolderStateStore, isHealerError, LocalExecutor, SshExecutor, type Executor, type Healer } from '@healer/core';
import { makeExecution } from '@healer/core/testing';
import { hashFolder, sshOptions, startBrokenTestapp, startSshd, testappPlugin, type RunningSshd, type RunningTestapp, type TestDir } from '@healer/test-utils';

/** `inner`, reporting `host` (when given) and recording the name of every method called on it. */
function recording(inner: Executor, calls: string[], host?: string): Executor {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'host' && host !== undefined) return host;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'close') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

let dir: TestDir;
let app: string;
let home: string;
let server: RunningTestapp;
const healers: Healer[] = [];

beforeEach(async () => {
  ({ dir, app, home, server } = await startBrokenTestapp());
});

afterEach(async () => {
  await Promise.all(healers.splice(0).map((h) => h.close()));
  await server.stop();
  await dir.cleanup();
});

function makeHealer(executor: Executor, executorFor?: (host: string) => Executor | undefined): Healer {
  const healer = createHealer({
    executor,
    ...(executorFor ? { executorFor } : {}),
    plugins: [{ plugin: testappPlugin, config: {} }],
    state: new FolderStateStore({ home }),
    sharedChecks: false,
    apps: { [app]: { url: server.url } },
  });
  healers.push(healer);
  return healer;
}

describe('executorFor with two hosts', () => {
  it("discovers on the host asked for, through that host's executor only, with ids of that host", async () => {
    const aCalls: string[] = [];
    const bCalls: string[] = [];
    const a = recording(new LocalExecutor(), aCalls, 'host-a');
    const b = recording(new LocalExecutor(), bCalls, 'host-b');
    const healer = makeHealer(a, (host) => (host === 'host-b' ? b : undefined));
    const parent = app.slice(0, app.lastIndexOf('/'));
    const found = await healer.discover([parent], { host: 'host-b', maxDepth: 1 });
    const mine = found.find((f) => f.path === app);
    expect(mine?.app?.id).toBe(appIdFor('host-b', app));
    expect(bCalls.length).toBeGreaterThan(0);
    expect(aCalls).toEqual([]);
    // A host without an executor: HOST_UNKNOWN, nothing run anywhere.
    aCalls.length = 0;
    bCalls.length = 0;
    const err = await healer.discover([parent], { host: 'host-c' }).catch((e: unknown) => e);
    expect(isHealerError(err) && err.code).toBe('HOST_UNKNOWN');
    expect([...aCalls, ...bCalls]).toEqual([]);
  });

  it('heals, rolls back and prunes a host-b record through host-b\'s executor only', async () => {
    const aCalls: string[] = [];
    const bCalls: string[] = [];
    const a = recording(new LocalExecutor(), aCalls, 'host-a');
    const b = recording(new LocalExecutor(), bCalls, 'host-b');
    const healer = makeHealer(a, (host) => (host === 'host-b' ? b : undefined));
    expect(healer.host).toBe('host-a');
    const before = await hashFolder(app);

    const { execution } = await healer.heal({ host: 'host-b', path: app }, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    expect(execution.target.host).toBe('host-b');
    expect(execution.appId).toBe(appIdFor('host-b', app));
    expect(execution.timeline.filter((e) => e.type === 'process.started').every((e) => e.data?.['host'] === 'host-b')).toBe(true);
    expect(bCalls.length).toBeGreaterThan(0);
    expect(aCalls).toEqual([]);
    expect((await healer.backups.list()).every((m) => m.host === 'host-b')).toBe(true);

    // Another healer whose default is host-a: the rollback goes to host-b.
    bCalls.length = 0;
    const other = makeHealer(a, (host) => (host === 'host-b' ? b : undefined));
    const undo = await other.rollback(execution.executionId);
    expect(undo.state).toBe('ROLLED_BACK');
    expect(undo.target.host).toBe('host-b');
    expect(await hashFolder(app)).toBe(before);
    expect(bCalls.length).toBeGreaterThan(0);
    expect(aCalls).toEqual([]);

    // Prune: the expired host-b backups are removed through host-b.
    bCalls.length = 0;
    const later = createHealer({ executor: a, executorFor: (host) => (host === 'host-b' ? b : undefined), state: new FolderStateStore({ home }), now: () => new Date(Date.now() + 30 * 86_400_000) });
    healers.push(later);
    const pruned = await later.backups.prune();
    expect(pruned.errors).toEqual([]);
    expect(pruned.pruned.length).toBeGreaterThan(0);
    expect(bCalls).toContain('remove');
    expect(aCalls).toEqual([]);
  });

  it('a host without an executor: HOST_UNKNOWN, and nothing changes (heal, queue, rollback, recover, prune)', async () => {
    const bCalls: string[] = [];
    const b = recording(new LocalExecutor(), bCalls, 'host-b');
    const healed = await makeHealer(b).heal(app, { mode: 'auto' });
    expect(healed.execution.state).toBe('FIXED');
    const fixedTree = await hashFolder(app);

    const aCalls: string[] = [];
    const a = recording(new LocalExecutor(), aCalls, 'host-a');
    const onlyA = makeHealer(a, () => undefined);
    const unknown = (e: unknown): boolean => isHealerError(e, 'HOST_UNKNOWN') && (e as Error).message.includes('host-b');
    await expect(onlyA.heal({ host: 'host-b', path: app }, { mode: 'auto' })).rejects.toSatisfy(unknown);
    await expect(onlyA.createExecution({ host: 'host-c', path: app })).rejects.toSatisfy((e) => isHealerError(e, 'HOST_UNKNOWN'));
    await expect(onlyA.rollback(healed.execution.executionId)).rejects.toSatisfy(unknown);
    // A healer without executorFor says the same.
    await expect(makeHealer(a).rollback(healed.execution.executionId)).rejects.toSatisfy(unknown);
    expect((await onlyA.history()).items.map((e) => e.executionId)).toEqual([healed.execution.executionId]);
    // An interrupted execution of host-b (its process gone, no lease): recover leaves it as it is.
    await new FolderStateStore({ home }).createExecution(makeExecution('ex_interrupted', { state: 'APPLYING', target: { host: 'host-b', path: app } }));
    expect(await onlyA.recover()).toEqual([{ executionId: 'ex_interrupted', state: 'SKIPPED', message: expect.stringContaining('No executor for host host-b') }]);
    expect((await onlyA.execution('ex_interrupted'))?.state).toBe('APPLYING');

    const later = createHealer({ executor: a, executorFor: () => undefined, state: new FolderStateStore({ home }), now: () => new Date(Date.now() + 30 * 86_400_000) });
    healers.push(later);
    const backups = await later.backups.list();
    const pruned = await later.backups.prune();
    expect(pruned.pruned).toEqual([]);
    expect(pruned.kept).toBe(backups.length);
    expect(pruned.errors).toHaveLength(backups.length);
    expect(pruned.errors[0]).toContain('No executor for host host-b');
    expect((await later.backups.list()).length).toBe(backups.length);
    expect(await hashFolder(app)).toBe(fixedTree);
    expect(aCalls).toEqual([]);
  });
});

describe('executorFor with a real SSH host', () => {
  let sshd: RunningSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('rolls back an SSH execution over SSH while the default executor is local', async () => {
    const before = await hashFolder(app);
    const ssh = new SshExecutor(sshOptions(sshd));
    const sshHost = ssh.host;
    const healed = await makeHealer(ssh).heal(app, { mode: 'auto' });
    expect(healed.execution.state).toBe('FIXED');
    expect(healed.execution.target.host).toBe(sshHost);
    expect(await hashFolder(app)).not.toBe(before);

    const localCalls: string[] = [];
    const sshCalls: string[] = [];
    const local = recording(new LocalExecutor(), localCalls);
    const healer = makeHealer(local, (host) => (host === sshHost ? recording(ssh, sshCalls) : undefined));
    expect(healer.host).toBe('local');
    const undo = await healer.rollback(healed.execution.executionId);
    expect(undo.state).toBe('ROLLED_BACK');
    expect(undo.target.host).toBe(sshHost);
    expect(await hashFolder(app)).toBe(before);
    expect(sshCalls.length).toBeGreaterThan(0);
    expect(localCalls).toEqual([]);
  }, 60_000);
});
