/**
 * `HealerFs.stat(path, { followSymlinks: true })` over SSH (a real sshd on
 * loopback): the link is resolved on the target, as it is locally.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealerFs, SshExecutor } from '@healer/core';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';

let sshd: RunningSshd;
let dir: string;
beforeAll(async () => {
  sshd = await startSshd();
  dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-fs-ssh-')));
  await fsp.mkdir(join(dir, 'releases/0042'), { recursive: true });
  await fsp.writeFile(join(dir, 'releases/0042/index.html'), '<h1>hello</h1>');
  await fsp.symlink('releases/0042', join(dir, 'current'));
  await fsp.symlink('releases/0041', join(dir, 'dangling'));
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('HealerFs.stat over SSH', () => {
  it('describes the link by default, and what it leads to with followSymlinks; a dangling link is null', async () => {
    const exec = new SshExecutor(sshOptions(sshd));
    try {
      const fs = createHealerFs(exec, [dir]);
      expect((await fs.stat(join(dir, 'current')))?.type).toBe('symlink');
      expect(await fs.stat(join(dir, 'current'), { followSymlinks: true })).toMatchObject({ path: join(dir, 'current'), type: 'directory' });
      expect((await fs.stat(join(dir, 'current/index.html'), { followSymlinks: true }))?.size).toBe(14);
      expect((await fs.stat(join(dir, 'dangling')))?.type).toBe('symlink');
      expect(await fs.stat(join(dir, 'dangling'), { followSymlinks: true })).toBeNull();
    } finally {
      await exec.close();
    }
  });
});
