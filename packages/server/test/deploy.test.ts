/**
 * The deploy files (compose, systemd units, .env.example) checked against the
 * code they run: the configuration schema and the CLI's commander program,
 * read through its own help so nothing is listed twice.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runServerCli } from '../src/cli.js';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const deploy = new URL('../deploy/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, deploy), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  env_file?: string | string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };

/** A systemd unit as sections of `key -> values` (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const at = line.indexOf('=');
    if (!current || at < 1) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, at);
    current.set(key, [...(current.get(key) ?? []), line.slice(at + 1)]);
  }
  return sections;
}
const unitFiles = readdirSync(new URL('systemd/', deploy)).filter((f) => f.endsWith('.service'));
const units = new Map(unitFiles.map((f) => [f, parseUnit(read(`systemd/${f}`))]));
const service = (file: string) => units.get(file)!.get('Service')!;
const one = (file: string, key: string) => service(file).get(key)?.at(-1);

interface Help {
  commands: string[];
  options: string[];
  reserved: boolean;
}

/** The help commander prints for `healer-server <path...>`. */
async function help(path: string[]): Promise<Help> {
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} };
  expect(await runServerCli([...path, '--help'], io), path.join(' ')).toBe(0);
  const section = (title: string) => {
    const start = out.indexOf(`\n${title}:\n`);
    if (start < 0) return [];
    const body = out.slice(start + title.length + 3).split('\n\n')[0]!;
    return body.split('\n');
  };
  return {
    commands: section('Commands').flatMap((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1] ?? []),
    options: section('Options').flatMap((l) => [...l.matchAll(/(?:^|, )\s*(--?[\w-]+)/g)].map((m) => m[1]!)),
    reserved: /^\(reserved/m.test(out),
  };
}

/**
 * Checks an argv against the CLI: each word is a command of its parent, each
 * `--option` is declared by the command. A command still reserved (no options
 * declared yet) is checked for its name only.
 */
async function expectCliAccepts(argv: string[], where: string): Promise<void> {
  const path: string[] = [];
  let current = await help([]);
  let at = 0;
  for (; at < argv.length && !argv[at]!.startsWith('-'); at++) {
    if (current.commands.length === 0) break;
    expect(current.commands, `${where}: "${argv[at]}" is not a command of healer-server ${path.join(' ')}`).toContain(argv[at]);
    path.push(argv[at]!);
    current = await help(path);
  }
  expect(path.length, `${where}: no command`).toBeGreaterThan(0);
  if (current.reserved) return;
  for (const word of argv.slice(at).filter((w) => w.startsWith('-'))) {
    expect(current.options, `${where}: healer-server ${path.join(' ')} has no ${word}`).toContain(word.split('=')[0]);
  }
}

describe('.env.example', () => {
  const text = read('.env.example');
  const set = new Map([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const commented = new Set([...text.matchAll(/^# ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));

  it('lists every variable of the configuration, and sets every required one', () => {
    for (const name of CONFIG_VARIABLES) expect(set.has(name) || commented.has(name), name).toBe(true);
    let required: string[] = [];
    try {
      loadConfig({});
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      required = err.issues.filter((i) => i.message === 'is required').map((i) => i.path);
    }
    expect(required).toEqual(expect.arrayContaining(['HEALER_DATABASE_URL', 'HEALER_REDIS_URL', 'HEALER_SECRET_KEY']));
    for (const name of required) expect(set.has(name), `${name} is required: set it, uncommented`).toBe(true);
  });

  it('names no HEALER_ variable the configuration does not read, except the compose-only ones', () => {
    const composeOnly = new Set(['HEALER_PUBLISH', 'HEALER_IMAGE']);
    const composeText = read('docker-compose.yml');
    for (const name of [...set.keys(), ...commented].filter((n) => n.startsWith('HEALER_'))) {
      if (composeOnly.has(name)) expect(composeText, name).toContain(`\${${name}:-`);
      else expect(CONFIG_VARIABLES, name).toContain(name);
    }
  });

  it('passes validation once the secret key is filled in, with the URLs as written', () => {
    const env = Object.fromEntries(set);
    const config = loadConfig({ ...env, HEALER_SECRET_KEY: 'ab'.repeat(32) });
    expect(new URL(config.databaseUrl).hostname).toBe('postgres');
    expect(new URL(config.databaseUrl).password).toBe(env.POSTGRES_PASSWORD);
    expect(new URL(config.redisUrl).hostname).toBe('redis');
  });
});

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('runs PostgreSQL 16, Redis 7, a one-shot migrate, the API and a worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
    expect(services.postgres!.image).toBe('postgres:16');
    expect(services.redis!.image).toBe('redis:7');
    expect(services.api!.command).toEqual(['api']);
    expect(services.worker!.command).toEqual(['worker', '--concurrency', '2']);
    expect(services.migrate!.command).toEqual(['migrate']);
  });

  it('gives the server services the .env file and the image built from this Dockerfile', () => {
    for (const name of ['migrate', 'api', 'worker']) {
      expect(services[name]!.env_file, name).toBe('.env');
      expect(services[name]!.build?.dockerfile, name).toBe('packages/server/deploy/Dockerfile');
    }
    expect(readFileSync(new URL(`${services.api!.build!.context}/${services.api!.build!.dockerfile}`, deploy), 'utf8')).toContain('FROM node:20-slim');
  });

  it('starts the API and the worker after the migration, and checks the API through /health/ready', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(services[name]!.depends_on?.redis?.condition, name).toBe('service_healthy');
    }
    expect(services.migrate!.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(services.api!.healthcheck!.test.join(' ')).toContain('/health/ready');
    for (const name of ['postgres', 'redis']) expect(services[name]!.healthcheck, name).toBeDefined();
  });

  it('runs only commands and options the CLI has', async () => {
    for (const name of ['migrate', 'api', 'worker']) await expectCliAccepts(services[name]!.command!, `compose ${name}`);
  });
});

describe('systemd units', () => {
  it('has the API, a worker template and a one-shot migration', () => {
    expect(unitFiles.sort()).toEqual(['healer-server-api.service', 'healer-server-migrate.service', 'healer-server-worker@.service']);
    expect(one('healer-server-migrate.service', 'Type')).toBe('oneshot');
    for (const file of ['healer-server-api.service', 'healer-server-worker@.service']) {
      expect(one(file, 'Restart'), file).toBe('on-failure');
      expect(units.get(file)!.get('Unit')!.get('Requires'), file).toEqual(['healer-server-migrate.service']);
    }
  });

  it('runs hardened, from an environment file, writing only its state directory', () => {
    for (const file of unitFiles) {
      expect(one(file, 'EnvironmentFile'), file).toMatch(/^\/etc\//);
      expect(one(file, 'NoNewPrivileges'), file).toBe('yes');
      expect(one(file, 'ProtectSystem'), file).toBe('strict');
      expect(one(file, 'User'), file).toBeTruthy();
      const state = `/var/lib/${one(file, 'StateDirectory')}`;
      expect(one(file, 'ReadWritePaths')?.split(/\s+/), file).toContain(state);
      expect(one(file, 'Environment'), file).toContain(`HOME=${state}`);
    }
  });

  it('runs only commands and options the CLI has', async () => {
    for (const file of unitFiles) {
      const argv = one(file, 'ExecStart')!.split(/\s+/);
      expect(argv[0], file).toMatch(/\/healer-server$/);
      await expectCliAccepts(argv.slice(1), file);
    }
  });
});
