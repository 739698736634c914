import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealerFs } from '../contract/fs.js';
import { isHealerError } from '../errors.js';
import { createHealerFs } from './healer-fs.js';
import { LocalExecutor } from './local-executor.js';

const exec = new LocalExecutor();

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    if (isHealerError(e)) return { code: e.code, message: e.message };
    return { code: `not a HealerError: ${String(e)}`, message: '' };
  }
  return { code: 'resolved', message: '' };
}

/** Every path under `dir` with its type and content, to prove a refusal changed nothing. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await fsp.readdir(d)).sort()) {
      const p = join(d, name);
      const st = await fsp.lstat(p);
      if (st.isSymbolicLink()) out.push(`${p} -> ${await fsp.readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`${p}/ ${(st.mode & 0o7777).toString(8)}`);
        await walk(p);
      } else out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${await fsp.readFile(p, 'utf8')}`);
    }
  };
  await walk(dir);
  return out;
}

describe('createHealerFs', () => {
  let base: string;
  let root: string;
  let outside: string;
  let fs: HealerFs;

  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-fs-')));
    root = join(base, 'app');
    outside = join(base, 'app-outside');
    await fsp.mkdir(root);
    await fsp.mkdir(outside);
    await fsp.writeFile(join(outside, 'secret.txt'), 'original');
    await fsp.chmod(join(outside, 'secret.txt'), 0o600);
    fs = createHealerFs(exec, [root]);
  });
  afterEach(async () => {
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('lets every kind of write happen inside a root', async () => {
    await fs.mkdir(`${root}/a/b`);
    await fs.writeFile(`${root}/a/b/f.txt`, 'hi', { mode: 0o640 });
    await fs.chmod(`${root}/a/b/f.txt`, 0o600);
    await fs.rename(`${root}/a/b/f.txt`, `${root}/a/g.txt`);
    expect(await fs.readText(`${root}/a/g.txt`)).toBe('hi');
    expect((await fs.stat(`${root}/a/g.txt`))?.mode).toBe(0o600);
    await fs.remove(`${root}/a`);
    expect(await fs.exists(`${root}/a`)).toBe(false);
    expect(fs.writeRoots).toEqual([root]);
  });

  it('reads anywhere, and readText answers null for an absent file', async () => {
    expect(await fs.readText(join(outside, 'secret.txt'))).toBe('original');
    expect(Buffer.from(await fs.readFile(join(outside, 'secret.txt'))).toString()).toBe('original');
    expect(await fs.readText(join(outside, 'absent'))).toBeNull();
    expect((await fs.list(outside)).map((e) => e.name)).toEqual(['secret.txt']);
    expect(await fs.exists(outside)).toBe(true);
    expect((await fs.stat(outside))?.type).toBe('directory');
  });

  it('refuses writes outside the roots, naming the path and the roots, and changes nothing', async () => {
    const before = await snapshot(base);
    const target = join(outside, 'secret.txt');
    const attempts = [
      () => fs.writeFile(target, 'pwned'),
      () => fs.writeFile(join(outside, 'new.txt'), 'pwned'),
      () => fs.mkdir(join(outside, 'dir')),
      () => fs.chmod(target, 0o777),
      () => fs.remove(target),
      () => fs.remove(outside),
      () => fs.writeFile(join(base, 'app2'), 'sibling sharing the prefix'),
      () => fs.mkdir(base),
    ];
    for (const attempt of attempts) {
      const r = await refusal(attempt());
      expect(r.code).toBe('PATH_OUTSIDE_ROOTS');
      expect(r.message).toContain(root);
    }
    const r = await refusal(fs.writeFile(target, 'pwned'));
    expect(r.message).toContain(target);
    expect(await snapshot(base)).toEqual(before);
  });

  it('refuses to follow a symlink inside the root that points outside', async () => {
    await fsp.symlink(outside, join(root, 'dirlink'));
    await fsp.symlink(join(outside, 'secret.txt'), join(root, 'filelink'));
    const before = await snapshot(base);
    const attempts = [
      () => fs.writeFile(`${root}/dirlink/secret.txt`, 'pwned'),
      () => fs.writeFile(`${root}/dirlink/new.txt`, 'pwned'),
      () => fs.mkdir(`${root}/dirlink/sub/deeper`),
      () => fs.chmod(`${root}/dirlink/secret.txt`, 0o777),
      () => fs.remove(`${root}/dirlink/secret.txt`),
      () => fs.rename(`${root}/dirlink/secret.txt`, `${root}/stolen.txt`),
      () => fs.writeFile(`${root}/filelink`, 'pwned'),
      () => fs.chmod(`${root}/filelink`, 0o777),
    ];
    for (const attempt of attempts) {
      const r = await refusal(attempt());
      expect(r.code).toBe('PATH_OUTSIDE_ROOTS');
      expect(r.message).toMatch(/symlink/);
    }
    expect(await snapshot(base)).toEqual(before);
  });

  it('refuses a write through a dangling symlink (its target could be anywhere)', async () => {
    await fsp.symlink(join(outside, 'not-yet'), join(root, 'dangling'));
    const r = await refusal(fs.writeFile(`${root}/dangling`, 'pwned'));
    expect(r.code).toBe('PATH_OUTSIDE_ROOTS');
    expect(await fsp.readdir(outside)).toEqual(['secret.txt']);
  });

  it('allows removing or moving a symlink itself, leaving what it points to alone', async () => {
    await fsp.symlink(join(outside, 'secret.txt'), join(root, 'filelink'));
    await fsp.symlink(outside, join(root, 'dirlink'));
    await fs.rename(`${root}/filelink`, `${root}/moved-link`);
    await fs.remove(`${root}/moved-link`);
    await fs.remove(`${root}/dirlink`);
    expect(await fsp.readdir(root)).toEqual([]);
    expect(await fsp.readFile(join(outside, 'secret.txt'), 'utf8')).toBe('original');
  });

  it('allows symlinks that stay inside the root, and a root that is itself a symlink', async () => {
    await fsp.mkdir(join(root, 'real'));
    await fsp.symlink(join(root, 'real'), join(root, 'alias'));
    await fs.writeFile(`${root}/alias/f.txt`, 'via alias');
    expect(await fsp.readFile(join(root, 'real', 'f.txt'), 'utf8')).toBe('via alias');

    await fsp.symlink(root, join(base, 'app-link'));
    const viaLink = createHealerFs(exec, [join(base, 'app-link')]);
    await viaLink.writeFile(join(base, 'app-link', 'g.txt'), 'via root link');
    expect(await fsp.readFile(join(root, 'g.txt'), 'utf8')).toBe('via root link');
    expect((await refusal(viaLink.writeFile(join(root, 'h.txt'), 'x'))).code).toBe('PATH_OUTSIDE_ROOTS');
  });

  it('refuses to move anything out of the roots or into them from outside', async () => {
    await fsp.writeFile(join(root, 'inside.txt'), 'in');
    const before = await snapshot(base);
    expect((await refusal(fs.rename(`${root}/inside.txt`, join(outside, 'inside.txt')))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect((await refusal(fs.rename(join(outside, 'secret.txt'), `${root}/secret.txt`))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect(await snapshot(base)).toEqual(before);
  });

  it('refuses to remove or move a root itself, however it is spelled', async () => {
    await fsp.writeFile(join(root, 'f'), 'x');
    await fsp.mkdir(join(root, 'sub'));
    // root/sub/up -> base, so root/sub/up/app is the root seen through a symlink.
    await fsp.symlink(base, join(root, 'sub', 'up'));
    const before = await snapshot(base);
    expect((await refusal(fs.remove(root))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect((await refusal(fs.remove(`${root}/sub/up/app`))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect((await refusal(fs.rename(root, `${root}/sub/moved`))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect((await refusal(fs.rename(`${root}/sub`, root))).code).toBe('PATH_OUTSIDE_ROOTS');
    expect(await snapshot(base)).toEqual(before);
  });

  it('accepts a root that does not exist yet and creates it on mkdir', async () => {
    const backups = join(base, 'backups', 'exec-1');
    const two = createHealerFs(exec, [root, backups]);
    await two.mkdir(backups);
    await two.writeFile(`${backups}/manifest.json`, '{}');
    expect(await fsp.readFile(join(backups, 'manifest.json'), 'utf8')).toBe('{}');
    expect((await refusal(two.writeFile(join(base, 'backups', 'other.json'), '{}'))).code).toBe('PATH_OUTSIDE_ROOTS');
  });

  it('refuses every write when there are no roots', async () => {
    const none = createHealerFs(exec, []);
    const r = await refusal(none.writeFile(`${root}/f`, 'x'));
    expect(r.code).toBe('PATH_OUTSIDE_ROOTS');
    expect(r.message).toMatch(/no write roots/);
    expect(await fsp.readdir(root)).toEqual([]);
  });

  it('refuses invalid paths and invalid roots with PATH_INVALID', async () => {
    expect((await refusal(fs.writeFile(`${root}/../app-outside/x`, 'x'))).code).toBe('PATH_INVALID');
    expect((await refusal(fs.writeFile('relative', 'x'))).code).toBe('PATH_INVALID');
    expect((await refusal(fs.readText(`${root}/a\nb`))).code).toBe('PATH_INVALID');
    for (const read of [fs.readFile, fs.stat, fs.list, fs.exists]) {
      expect((await refusal(read('relative'))).code).toBe('PATH_INVALID');
    }
    expect((await refusal(fs.remove(`${root}/`))).code).toBe('PATH_INVALID');
    expect(() => createHealerFs(exec, ['relative/root'])).toThrow(expect.objectContaining({ code: 'PATH_INVALID' }));
    expect(() => createHealerFs(exec, [`${root}/`])).toThrow(expect.objectContaining({ code: 'PATH_INVALID' }));
  });
});

describe('HealerFs.stat and symlinks', () => {
  let dir: string;
  let fs: HealerFs;
  beforeEach(async () => {
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-fs-stat-')));
    await fsp.mkdir(join(dir, 'releases/0042'), { recursive: true });
    await fsp.writeFile(join(dir, 'releases/0042/index.html'), '<h1>hello</h1>');
    await fsp.symlink('releases/0042', join(dir, 'current'));
    await fsp.symlink('current/index.html', join(dir, 'entry'));
    await fsp.symlink('releases/0041', join(dir, 'dangling'));
    await fsp.symlink('loop-b', join(dir, 'loop-a'));
    await fsp.symlink('loop-a', join(dir, 'loop-b'));
    fs = createHealerFs(exec, [dir]);
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('by default describes the link itself (lstat)', async () => {
    expect((await fs.stat(join(dir, 'current')))?.type).toBe('symlink');
    expect((await fs.stat(join(dir, 'dangling')))?.type).toBe('symlink');
    expect(await fs.stat(join(dir, 'missing'))).toBeNull();
  });

  it('with followSymlinks describes what the link leads to, through a chain of links, keeping the path asked for', async () => {
    const folder = await fs.stat(join(dir, 'current'), { followSymlinks: true });
    expect(folder).toMatchObject({ path: join(dir, 'current'), type: 'directory' });
    const file = await fs.stat(join(dir, 'entry'), { followSymlinks: true });
    expect(file).toMatchObject({ path: join(dir, 'entry'), type: 'file', size: 14 });
    const real = await fsp.stat(join(dir, 'releases/0042/index.html'));
    expect(file?.mtimeMs).toBe(real.mtimeMs);
    expect(file?.mode).toBe(real.mode & 0o7777);
  });

  it('with followSymlinks a dangling link or a loop is null; a plain file is the same either way', async () => {
    expect(await fs.stat(join(dir, 'dangling'), { followSymlinks: true })).toBeNull();
    expect(await fs.stat(join(dir, 'loop-a'), { followSymlinks: true })).toBeNull();
    const plain = join(dir, 'releases/0042/index.html');
    expect(await fs.stat(plain, { followSymlinks: true })).toEqual(await fs.stat(plain));
  });
});
