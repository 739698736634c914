// One `healer-server worker`-like process for bench/server.mjs, with the test
// plugin (testapp folders stand in for a hundred apps): the built
// @healer/server's workers, configured by the JSON in argv[2]. Prints
// "ready"; SIGTERM stops it.
import { testappPlugin } from '@healer/test-utils';
import { createRuntime, startRuntimeWorker } from '@healer/server';

const o = JSON.parse(process.argv[2]);
const config = {
  databaseUrl: o.databaseUrl,
  redisUrl: o.redisUrl,
  redisPrefix: o.redisPrefix,
  port: 0,
  host: '127.0.0.1',
  keys: new Map([['k1', Buffer.from(o.key, 'hex')]]),
  currentKeyId: 'k1',
  logLevel: 'warn',
  rateLimitPerMinute: 600,
};
const runtime = await createRuntime(config, { plugins: [testappPlugin] });
const worker = startRuntimeWorker(runtime, config, { concurrency: o.concurrency });
process.on('SIGTERM', () => {
  worker
    .close()
    .then(() => runtime.close())
    .then(() => process.exit(0), () => process.exit(1));
});
process.stdout.write('ready\n');
