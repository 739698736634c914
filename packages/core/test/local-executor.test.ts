import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '../src/exec/local-executor.js';
import { describeExecutorSuite } from './executor-suite.js';

describeExecutorSuite('LocalExecutor', async () => {
  const dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'healer-local-exec-')));
  const exec = new LocalExecutor();
  return {
    exec,
    dir,
    async cleanup() {
      await exec.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});
