/**
 * `healer-server`: `migrate`, `token create`, `api`, `worker`, and `start`
 * (the API and the workers in one process).
 * `runServerCli(argv, io)` runs in-process and returns the exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type ServerConfig } from './config.js';
import { migrateUp, openOrm } from './db/orm.js';
import { ROLES, type Role } from './db/entities.js';
import { addAuditEvent } from './http/audit.js';
import { createApiToken } from './auth/tokens.js';
import { ConfigError } from './errors.js';
import { createRuntime, startApi, startRuntimeWorker, type RunningApi, type RuntimeOptions, type WorkerRunOptions } from './runtime.js';
import { SERVER_VERSION } from './version.js';

export interface ServerCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Called by `api` once it listens; the caller owns shutdown (signals, tests). */
  onListening?: (api: RunningApi) => void | Promise<void>;
  /** Called by `worker` once it runs; the caller owns shutdown. */
  onRunning?: (service: { close(): Promise<void> }) => void | Promise<void>;
  runtime?: RuntimeOptions;
  worker?: WorkerRunOptions;
}

/** Only what a command needs is validated: `migrate` needs no Redis or secret key. */
function databaseConfig(env: NodeJS.ProcessEnv): Pick<ServerConfig, 'databaseUrl'> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const own = err.issues.filter((i) => i.path === 'HEALER_DATABASE_URL');
    if (own.length > 0) throw new ConfigError(own);
    return { databaseUrl: env.HEALER_DATABASE_URL! };
  }
}

export async function runServerCli(argv: readonly string[], io: ServerCliIo): Promise<number> {
  const program = new Command('healer-server')
    .description('Healer server: the REST API and the workers for a fleet.')
    .version(SERVER_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText(
      'after',
      '\nEnvironment: HEALER_DATABASE_URL, HEALER_REDIS_URL, HEALER_SECRET_KEY (32 bytes, hex or base64), HEALER_SECRET_KEY_ID (default k1),\n' +
        'HEALER_SECRET_OLD_KEYS (id:key,...), HEALER_PORT (default 8080), HEALER_HOST, HEALER_LOG_LEVEL, HEALER_RATE_LIMIT_PER_MINUTE, HEALER_REDIS_PREFIX, HEALER_CHECK_INTERVAL_SECONDS.',
    );

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const orm = await openOrm({ databaseUrl: databaseConfig(io.env).databaseUrl });
      try {
        const applied = await migrateUp(orm);
        io.stdout.write(applied.length === 0 ? 'The database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
      } finally {
        await orm.close(true);
      }
    });

  program
    .command('token')
    .description('API tokens')
    .command('create')
    .description('create an API token and print it (once: only its hash is kept)')
    .addOption(new Option('--role <role>', 'the role').choices(ROLES).makeOptionMandatory())
    .requiredOption('--name <name>', 'what or who the token is for')
    .action(async (opts: { role: Role; name: string }) => {
      const name = opts.name.trim();
      if (name === '' || name.length > 100) throw new ConfigError([{ path: '--name', message: 'must be 1 to 100 characters' }]);
      const orm = await openOrm({ databaseUrl: databaseConfig(io.env).databaseUrl });
      try {
        const em = orm.em.fork();
        const { token, record } = createApiToken(em, { name, role: opts.role });
        addAuditEvent(em, { actorTokenId: null, actorName: 'cli', requestId: null }, 'token.create', `token:${record.id}`, { name, role: opts.role });
        await em.flush();
        io.stdout.write(`${token}\n`);
        io.stderr.write(`Created token ${record.id} (${opts.role}) "${name}". It is shown this once.\n`);
      } finally {
        await orm.close(true);
      }
    });

  program
    .command('api')
    .description('serve the REST API (stop with SIGTERM or SIGINT: in-flight requests finish)')
    .action(async () => {
      const config = loadConfig(io.env);
      const { BUILTIN_PLUGINS } = await import('./builtin-plugins.js');
      const api = await startApi(config, { plugins: BUILTIN_PLUGINS, ...io.runtime });
      io.stderr.write(`Listening on ${api.url}\n`);
      await io.onListening?.(api);
    });

  const concurrency = new Option('--concurrency <n>', 'jobs run at once per queue').default(2).argParser((value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new ConfigError([{ path: '--concurrency', message: 'must be a whole number from 1 to 64' }]);
    return n;
  });

  program
    .command('start')
    .description('the API and the workers in one process (the embedded default)')
    .addOption(concurrency)
    .action(async (opts: { concurrency: number }) => {
      const config = loadConfig(io.env);
      const { BUILTIN_PLUGINS } = await import('./builtin-plugins.js');
      const api = await startApi(config, { plugins: BUILTIN_PLUGINS, ...io.runtime });
      const worker = startRuntimeWorker(api.runtime, config, { concurrency: opts.concurrency, ...io.worker });
      io.stderr.write(`Listening on ${api.url}, with ${opts.concurrency} job(s) at once per queue\n`);
      const closeApi = api.close;
      // Workers first (running jobs finish), then the API and the pools.
      await io.onListening?.({ ...api, close: async (graceMs?: number) => { await worker.close(); await closeApi(graceMs); } });
    });

  program
    .command('worker')
    .description('the workers: discover, diagnose, heal and scheduled health checks (stop with SIGTERM: running jobs finish)')
    .addOption(concurrency)
    .action(async (opts: { concurrency: number }) => {
      const config = loadConfig(io.env);
      const { BUILTIN_PLUGINS } = await import('./builtin-plugins.js');
      const runtime = await createRuntime(config, { plugins: BUILTIN_PLUGINS, ...io.runtime });
      const worker = startRuntimeWorker(runtime, config, { concurrency: opts.concurrency, ...io.worker });
      io.stderr.write(`Worker running, ${opts.concurrency} job(s) at once per queue\n`);
      await io.onRunning?.({
        async close() {
          await worker.close();
          await runtime.close();
        },
      });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    io.stderr.write(`healer-server: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
