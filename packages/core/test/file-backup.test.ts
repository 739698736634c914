import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../src/contract/backup.js';
import type { Command, Executor, RunOptions } from '../src/contract/executor.js';
import { isHealerError } from '../src/errors.js';
import { LocalExecutor } from '../src/exec/local-executor.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import {
  checkPartFiles,
  createFileBackup,
  defaultBackupRoot,
  hashTree,
  restoreFileBackup,
  verifyPartFiles,
  verifyRestore,
} from '../src/backup/file-backup.js';
import { pruneBackups } from '../src/backup/prune.js';

const isRoot = process.getuid?.() === 0;
const WEIRD = 'it\'s a "file"\nwith newline & spaces.txt';
const T0 = new Date('2030-01-01T00:00:00.000Z');

/** Counts every call to the target, since each one is a round trip over SSH. */
class CountingExecutor implements Executor {
  readonly calls: string[] = [];
  constructor(private readonly inner: Executor) {}
  get host(): string {
    return this.inner.host;
  }
  reset(): void {
    this.calls.length = 0;
  }
  run(command: Command, options?: RunOptions) {
    this.calls.push(`run ${Array.isArray(command) ? (command as string[])[0] : 'script'}`);
    return this.inner.run(command, options);
  }
  readFile(path: string, options?: { maxBytes?: number }) {
    this.calls.push('readFile');
    return this.inner.readFile(path, options);
  }
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }) {
    this.calls.push('writeFile');
    return this.inner.writeFile(path, data, options);
  }
  stat(path: string) {
    this.calls.push('stat');
    return this.inner.stat(path);
  }
  list(path: string) {
    this.calls.push('list');
    return this.inner.list(path);
  }
  exists(path: string) {
    this.calls.push('exists');
    return this.inner.exists(path);
  }
  mkdir(path: string, options?: { mode?: number }) {
    this.calls.push('mkdir');
    return this.inner.mkdir(path, options);
  }
  remove(path: string) {
    this.calls.push('remove');
    return this.inner.remove(path);
  }
  rename(from: string, to: string) {
    this.calls.push('rename');
    return this.inner.rename(from, to);
  }
  chmod(path: string, mode: number) {
    this.calls.push('chmod');
    return this.inner.chmod(path, mode);
  }
  close() {
    return this.inner.close();
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error & { details?: Record<string, unknown> }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).not.toBeNull();
  if (!isHealerError(err)) throw err;
  expect(err.code, err.message).toBe(code);
  return err;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const modeOf = async (p: string): Promise<number> => (await lstat(p)).mode & 0o7777;
const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

let base: string;
let app: string;
let exec: LocalExecutor;
let seq = 0;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'healer-file-backup-')));
  app = join(base, 'app');
  await mkdir(app);
  exec = new LocalExecutor();
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function backupOf(executor: Executor, paths: string[], extra: Partial<Parameters<typeof createFileBackup>[1]> = {}): Promise<BackupManifest> {
  seq++;
  return createFileBackup(executor, {
    id: `bk-${seq}`,
    executionId: 'ex-1',
    actionId: 'test/action',
    appId: 'app-1',
    appRoot: app,
    paths,
    now: T0,
    ...extra,
  });
}

/** A tree with every kind of entry the backup must keep. */
async function buildTree(): Promise<void> {
  await writeFile(join(app, 'index.php'), '<?php echo "hello";\n');
  await mkdir(join(app, 'config'));
  await writeFile(join(app, 'config', 'secret.php'), "<?php define('KEY', 's3cret');\n", { mode: 0o600 });
  await chmod(join(app, 'config', 'secret.php'), 0o600);
  await mkdir(join(app, 'bin'));
  await writeFile(join(app, 'bin', 'run.sh'), '#!/bin/sh\necho run\n');
  await chmod(join(app, 'bin', 'run.sh'), 0o755);
  await mkdir(join(app, 'nested', 'a', 'b'), { recursive: true });
  await writeFile(join(app, 'nested', 'a', 'b', 'deep.txt'), 'deep\n');
  await writeFile(join(app, 'nested', 'a', 'keep.txt'), 'keep\n');
  await mkdir(join(app, 'empty'));
  await symlink('config/secret.php', join(app, 'link'));
  await writeFile(join(app, WEIRD), 'weird name\n');
  await writeFile(join(app, 'becomes-dir'), 'I am a file\n');
  await mkdir(join(app, 'becomes-file'));
  await writeFile(join(app, 'becomes-file', 'child.txt'), 'child\n');
  if (isRoot) await chown(join(app, 'index.php'), 1234, 2345);
}

describe('createFileBackup / restoreFileBackup', () => {
  it('puts back a whole tree byte for byte, with modes, links, odd names and type changes', async () => {
    await buildTree();
    const before = await hashTree(exec, [app]);
    const m = await backupOf(exec, ['.']);

    const root = defaultBackupRoot(app);
    expect(root).toBe(join(base, '.healer-backups'));
    expect(m.dir).toBe(join(root, 'ex-1', m.id));
    expect(await modeOf(m.dir)).toBe(0o700);
    expect(m.host).toBe('local');
    expect(m.roots).toEqual([app]);
    expect(Date.parse(m.expiresAt) - Date.parse(m.createdAt)).toBe(7 * 24 * 3600 * 1000);
    expect(JSON.parse(await readFile(join(m.dir, 'manifest.json'), 'utf8'))).toEqual(m);
    const byPath = new Map(m.files.map((e) => [e.path, e]));
    expect(byPath.get(join(app, 'link'))).toMatchObject({ type: 'symlink', linkTarget: 'config/secret.php' });
    expect(byPath.get(join(app, 'empty'))).toMatchObject({ type: 'directory' });
    expect(byPath.get(join(app, WEIRD))).toMatchObject({ type: 'file', sha256: sha256('weird name\n'), size: 11 });
    expect(byPath.get(join(app, 'config', 'secret.php'))).toMatchObject({ mode: 0o600 });
    expect(byPath.get(join(app, 'bin', 'run.sh'))).toMatchObject({ mode: 0o755 });
    expect(m.files).toHaveLength(before.size);

    // Change everything a faulty action could change.
    await writeFile(join(app, 'index.php'), '<?php broken(\n');
    await writeFile(join(app, WEIRD), 'changed\n');
    await unlink(join(app, 'nested', 'a', 'b', 'deep.txt'));
    await writeFile(join(app, 'nested', 'new.txt'), 'added\n');
    await mkdir(join(app, 'new-dir', 'inner'), { recursive: true });
    await writeFile(join(app, 'new-dir', 'inner', 'x.log'), 'x\n');
    await chmod(join(app, 'config', 'secret.php'), 0o644);
    await chmod(join(app, 'bin'), 0o700);
    await rm(join(app, 'empty'), { recursive: true });
    await unlink(join(app, 'link'));
    await symlink('/etc/hostname', join(app, 'link'));
    await rm(join(app, 'becomes-dir'));
    await mkdir(join(app, 'becomes-dir'));
    await writeFile(join(app, 'becomes-dir', 'inside.txt'), 'inside\n');
    await rm(join(app, 'becomes-file'), { recursive: true });
    await writeFile(join(app, 'becomes-file'), 'now a file\n');
    if (isRoot) await chown(join(app, 'index.php'), 0, 0);
    expect(await hashTree(exec, [app])).not.toEqual(before);
    expect((await verifyRestore(exec, m)).ok).toBe(false);

    await restoreFileBackup(exec, m);

    expect(await hashTree(exec, [app])).toEqual(before);
    expect(await modeOf(join(app, 'config', 'secret.php'))).toBe(0o600);
    expect(await modeOf(join(app, 'bin', 'run.sh'))).toBe(0o755);
    expect(await readlink(join(app, 'link'))).toBe('config/secret.php');
    expect(await readFile(join(app, WEIRD), 'utf8')).toBe('weird name\n');
    expect(await exists(join(app, 'new-dir'))).toBe(false);
    expect(await exists(join(app, 'nested', 'new.txt'))).toBe(false);
    expect((await stat(join(app, 'becomes-file'))).isDirectory()).toBe(true);
    if (isRoot) expect((await stat(join(app, 'index.php'))).uid).toBe(1234);
    expect(await verifyRestore(exec, m)).toEqual({ ok: true, mismatches: [] });
  });

  it('removes roots that were absent at backup time, and handles file roots that became folders', async () => {
    await writeFile(join(app, 'settings.json'), '{"debug":false}\n');
    await mkdir(join(app, 'cache'));
    await writeFile(join(app, 'cache', 'a'), 'a');
    await writeFile(join(app, 'untouched.txt'), 'not a root\n');
    const m = await backupOf(exec, ['settings.json', 'later.txt', join(app, 'later-dir'), 'cache', 'cache/a']);
    expect(m.roots).toEqual([join(app, 'cache'), join(app, 'cache/a'), join(app, 'later-dir'), join(app, 'later.txt'), join(app, 'settings.json')]);
    expect(m.files.filter((e) => e.type === 'absent').map((e) => e.path)).toEqual([join(app, 'later-dir'), join(app, 'later.txt')]);

    await writeFile(join(app, 'later.txt'), 'created by the action\n');
    await mkdir(join(app, 'later-dir', 'sub'), { recursive: true });
    await writeFile(join(app, 'later-dir', 'sub', 'f'), 'f');
    await rm(join(app, 'settings.json'));
    await mkdir(join(app, 'settings.json'));
    await writeFile(join(app, 'settings.json', 'oops'), 'now a folder');
    await rm(join(app, 'cache'), { recursive: true });
    await writeFile(join(app, 'cache'), 'cache became a file');
    await writeFile(join(app, 'untouched.txt'), 'changed, but not backed up\n');

    await restoreFileBackup(exec, m);

    expect(await exists(join(app, 'later.txt'))).toBe(false);
    expect(await exists(join(app, 'later-dir'))).toBe(false);
    expect(await readFile(join(app, 'settings.json'), 'utf8')).toBe('{"debug":false}\n');
    expect(await readFile(join(app, 'cache', 'a'), 'utf8')).toBe('a');
    expect(await readFile(join(app, 'untouched.txt'), 'utf8')).toBe('changed, but not backed up\n');
  });

  it('never saves or removes its own backup root when it lies inside a backed-up folder', async () => {
    await writeFile(join(app, 'a.txt'), 'a');
    const backupRoot = join(app, '.healer-backups');
    const first = await backupOf(exec, ['.'], { backupRoot });
    const m = await backupOf(exec, ['.'], { backupRoot });
    expect(m.files.map((e) => e.path)).toEqual([app, join(app, 'a.txt')]);
    await writeFile(join(app, 'b.txt'), 'b');
    await restoreFileBackup(exec, m);
    expect(await exists(join(app, 'b.txt'))).toBe(false);
    expect(await exists(join(first.dir, 'files.tar'))).toBe(true);
    expect(await exists(join(m.dir, 'manifest.json'))).toBe(true);
  });

  it('refuses a path escaping the app root with PATH_OUTSIDE_ROOTS and creates nothing', async () => {
    await writeFile(join(base, 'x'), 'outside');
    await expectCode(backupOf(exec, ['../x']), 'PATH_OUTSIDE_ROOTS');
    await expectCode(backupOf(exec, ['config', '/etc/passwd']), 'PATH_OUTSIDE_ROOTS');
    await expectCode(backupOf(exec, ['a/../../x']), 'PATH_OUTSIDE_ROOTS');
    expect(await exists(defaultBackupRoot(app))).toBe(false);
  });

  it('reports BACKUP_FAILED with the stderr and removes the partial folder', async () => {
    if (isRoot) {
      // root reads anything: make sha256sum fail through a missing tool instead
      const broken = new (class extends CountingExecutor {
        override run(c: Command, o?: RunOptions) {
          return super.run(Array.isArray(c) && c[0] === 'tar' ? ['tar', '--no-such-option'] : c, o);
        }
      })(exec);
      await writeFile(join(app, 'f'), 'f');
      const err = await expectCode(backupOf(broken, ['.']), 'BACKUP_FAILED');
      expect(err.message).toMatch(/tar .*(unrecognized|unknown) option/);
    } else {
      await writeFile(join(app, 'unreadable'), 'secret', { mode: 0o000 });
      const err = await expectCode(backupOf(exec, ['.']), 'BACKUP_FAILED');
      expect(err.message).toContain('Permission denied');
    }
    expect(await exists(join(defaultBackupRoot(app), 'ex-1'))).toBe(false);
  });

  it('refuses with BACKUP_TAMPERED naming the paths, and writes nothing, when files.tar was tampered with', async () => {
    await writeFile(join(app, 'index.php'), 'original\n');
    await writeFile(join(app, 'other.php'), 'other\n');
    const m = await backupOf(exec, ['.']);
    // Rebuild the archive with the same members but different bytes in one file.
    const staging = join(base, 'staging');
    await mkdir(staging);
    const tarPath = join(m.dir, 'files.tar');
    execFileSync('tar', ['-xpf', tarPath, '-C', staging]);
    const rel = app.slice(1);
    await writeFile(join(staging, rel, 'index.php'), 'ORIGINAL\n'); // same size: only the hash can tell
    execFileSync('tar', ['-cf', tarPath, '-C', staging, rel]);
    await writeFile(join(app, 'index.php'), 'changed by the action\n');

    const err = await expectCode(restoreFileBackup(exec, m), 'BACKUP_TAMPERED');
    const mismatches = err.details?.['mismatches'] as string[];
    expect(mismatches, mismatches.join('\n')).toHaveLength(1);
    expect(mismatches[0]).toContain(join(app, 'index.php'));
    expect(mismatches[0]).toContain('content differs');
    expect(err.message).toContain(join(app, 'index.php'));
    expect(err.message).toContain('nothing was changed');
    // Checked before written: the action's content is still there, and no staging folder is left.
    expect(await readFile(join(app, 'index.php'), 'utf8')).toBe('changed by the action\n');
    expect((await readdir(m.dir)).sort()).toEqual(['files.tar', 'manifest.json']);
  });

  it('changes nothing when the archive is unreadable, and says BACKUP_NOT_FOUND when it is gone', async () => {
    await writeFile(join(app, 'index.php'), 'original\n');
    const m = await backupOf(exec, ['.']);
    await writeFile(join(app, 'added.txt'), 'added');
    await writeFile(join(m.dir, 'files.tar'), 'this is not a tar archive'.repeat(100));
    await expectCode(restoreFileBackup(exec, m), 'BACKUP_TAMPERED');
    expect(await readFile(join(app, 'added.txt'), 'utf8')).toBe('added');
    await rm(join(m.dir, 'files.tar'));
    await expectCode(restoreFileBackup(exec, m), 'BACKUP_NOT_FOUND');
    expect(await exists(join(app, 'added.txt'))).toBe(true);
  });

  it('runs the same number of commands for 10 and for 500 files', async () => {
    async function countFor(n: number): Promise<{ backup: number; restore: number; verify: number; hash: number }> {
      const root = join(app, `tree-${n}`);
      for (let d = 0; d < 10; d++) await mkdir(join(root, `d${d}`, 'sub'), { recursive: true });
      await Promise.all(Array.from({ length: n }, (_, i) => writeFile(join(root, `d${i % 10}`, i % 2 ? 'sub' : '', `f ${i}.txt`), `file ${i}\n`)));
      const counting = new CountingExecutor(exec);
      const m = await backupOf(counting, [root]);
      expect(m.files.filter((e) => e.type === 'file')).toHaveLength(n);
      const backup = counting.calls.length;
      await writeFile(join(root, 'd0', 'f 0.txt'), 'changed');
      await writeFile(join(root, 'd1', 'new.txt'), 'new');
      counting.reset();
      await restoreFileBackup(counting, m);
      const restore = counting.calls.length;
      counting.reset();
      expect((await verifyRestore(counting, m)).ok).toBe(true);
      const verify = counting.calls.length;
      counting.reset();
      await hashTree(counting, [root]);
      return { backup, restore, verify, hash: counting.calls.length };
    }
    const small = await countFor(10);
    const large = await countFor(500);
    expect(large).toEqual(small);
    expect(small.backup).toBeLessThanOrEqual(6);
    // Staging (extract, list, hash), drift-free planning, the move into place, the verification.
    expect(small.restore).toBeLessThanOrEqual(12);
    expect(small.hash).toBe(2);
  });
});

describe('verifyPartFiles', () => {
  it('accepts intact part files and rejects changed, missing or escaping ones', async () => {
    const m = await backupOf(exec, []);
    expect(m.files).toEqual([]);
    await mkdir(join(m.dir, 'parts', 'db'), { recursive: true });
    const dump = 'CREATE TABLE t (id int);\n';
    await writeFile(join(m.dir, 'parts', 'db', 'dump.sql'), dump);
    const part = { name: 'db', plugin: 'mysql', meta: {}, files: [{ path: 'parts/db/dump.sql', sha256: sha256(dump), size: dump.length }] };
    await verifyPartFiles(exec, m, part);

    await writeFile(join(m.dir, 'parts', 'db', 'dump.sql'), dump.replace('int', 'txt'));
    const err = await expectCode(verifyPartFiles(exec, m, part), 'RESTORE_FAILED');
    expect(err.message).toContain('parts/db/dump.sql');

    const bad = { ...part, files: [...part.files, { path: 'parts/db/gone.sql', sha256: sha256(''), size: 0 }, { path: '../../app', sha256: sha256(''), size: 0 }] };
    const res = await checkPartFiles(exec, m, bad);
    expect(res.ok).toBe(false);
    expect(res.mismatches.join('\n')).toMatch(/gone\.sql.*missing/);
    expect(res.mismatches.join('\n')).toMatch(/\.\.\/\.\.\/app.*not a file inside the backup folder/);
  });
});

describe('pruneBackups', () => {
  it('removes expired backups from disk and index, keeps fresh ones, and refuses folders outside a backup root', async () => {
    await writeFile(join(app, 'f.txt'), 'f');
    const state = new MemoryStateStore();
    const day = 24 * 3600 * 1000;
    const old1 = await backupOf(exec, ['.'], { executionId: 'ex-old', retentionMs: day });
    const old2 = await backupOf(exec, ['.'], { executionId: 'ex-old', retentionMs: day });
    const fresh = await backupOf(exec, ['.'], { executionId: 'ex-new', now: new Date(T0.getTime() + 2 * day), retentionMs: 7 * day });
    const elsewhere: BackupManifest = { ...old1, id: 'bk-remote', host: 'ssh://deploy@web1:22', dir: join(base, '.healer-backups', 'ex-x', 'bk-remote') };
    // Shaped like a backup folder, but its "backup root" is the base folder: must never be removed.
    await mkdir(join(app, 'config'));
    const outside: BackupManifest = { ...old1, id: 'config', executionId: 'app', dir: join(app, 'config') };
    const misnamed: BackupManifest = { ...old1, id: 'bk-mis', dir: join(base, '.healer-backups', 'ex-old') };
    for (const m of [old1, old2, fresh, elsewhere, outside, misnamed]) await state.putBackup(m);
    const now = new Date(T0.getTime() + 3 * day);

    const dry = await pruneBackups(exec, state, { now, dryRun: true });
    expect(dry.pruned.map((m) => m.id).sort()).toEqual([old1.id, old2.id].sort());
    expect(await exists(old1.dir)).toBe(true);
    expect(await state.listBackups()).toHaveLength(6);

    const res = await pruneBackups(exec, state, { now });
    expect(res.pruned.map((m) => m.id).sort()).toEqual([old1.id, old2.id].sort());
    expect(res.kept).toBe(4);
    expect(res.errors).toHaveLength(2);
    expect(res.errors.join('\n')).toContain(join(app, 'config'));
    expect(await exists(old1.dir)).toBe(false);
    expect(await exists(old2.dir)).toBe(false);
    expect(await exists(join(base, '.healer-backups', 'ex-old'))).toBe(false);
    expect(await exists(join(fresh.dir, 'files.tar'))).toBe(true);
    expect(await exists(join(app, 'config'))).toBe(true);
    expect(await exists(join(app, 'f.txt'))).toBe(true);
    expect((await state.listBackups()).map((m) => m.id).sort()).toEqual([fresh.id, elsewhere.id, outside.id, misnamed.id].sort());

    // A configured backup root is accepted; the filter by app applies.
    const custom = join(base, 'custom-backups');
    const cm = await backupOf(exec, ['.'], { backupRoot: custom, executionId: 'ex-c', retentionMs: 0 });
    await state.putBackup(cm);
    const refused = await pruneBackups(exec, state, { now, appId: 'app-1' });
    expect(refused.pruned.map((m) => m.id)).not.toContain(cm.id);
    const none = await pruneBackups(exec, state, { now, appId: 'other-app', backupRoots: [custom] });
    expect(none.pruned).toEqual([]);
    const accepted = await pruneBackups(exec, state, { now, appId: 'app-1', backupRoots: [custom] });
    expect(accepted.pruned.map((m) => m.id)).toEqual([cm.id]);
    expect(await exists(join(custom, 'ex-c'))).toBe(false);
  });
});
