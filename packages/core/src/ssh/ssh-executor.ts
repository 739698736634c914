/**
 * The SSH transport: an {@link Executor} for a remote host over one ssh2
 * connection, running commands on a small pool of persistent remote shells
 * (one exec channel per command where no shell can be had).
 */
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type {
  Command,
  DirEntry,
  Executor,
  FileStat,
  RunOptions,
  RunResult,
  WriteFileOptions,
} from '../contract/executor.js';
import { HealerError, isHealerError } from '../errors.js';
import { toArgv, validateEnv } from '../exec/command.js';
import { commandToShell } from '../exec/quote.js';
import { SshConnection } from './connection.js';
import { ChannelLimiter, startOnExecChannel } from './exec-channel.js';
import { FramedRun, type FramedOutcome } from './framed-run.js';
import { buildCommandScript, killLine, newMarker } from './framing.js';
import type { SshExecutorOptions, TransportInfo } from './options.js';
import { RemoteFs, type WithSftp } from './remote-fs.js';
import { toResult } from './run-result.js';
import { openSftp } from './sftp-reads.js';
import { resolveOptions, type Resolved } from './executor-options.js';
import { ShellUnavailableError, type RemoteShell } from './remote-shell.js';
import { ShellPool, type ShellLimit } from './shell-pool.js';

/**
 * Inputs up to this size travel inside the script to a persistent shell
 * (base64 in a here-document, ~1.33x on the wire: ~35 ms for 1 MiB on
 * loopback); bigger ones get their own exec channel (~100 ms to open) and
 * stream raw bytes on its stdin.
 */
export const INLINE_INPUT_MAX_BYTES = 2 * 1024 * 1024;
/** How long a kill waits for a free session channel before giving up (the run then abandons its stream). */
const KILL_RETRY_MS = 200;
const KILL_RETRIES = 15;

/** One command, rendered and ready to send. */
interface Job {
  line: string;
  cwd: string | undefined;
  input: Uint8Array | undefined;
  timeoutMs: number;
  cap: number;
  signal: AbortSignal | undefined;
  /** The program, for messages (never its arguments: they may hold secrets). */
  what: string;
  onStart: RunOptions['onStart'];
}

/** How long the SFTP subsystem has to start before file reads fall back to shell commands. */
const SFTP_OPEN_TIMEOUT_MS = 5_000;

/** What lives as long as one connection. */
interface Session {
  generation: number;
  client: Client;
  pool: ShellPool;
  runs: Set<FramedRun>;
  /** The SFTP session (null: not available), opened on first use. */
  sftp: Promise<SFTPWrapper | null> | null;
}

/**
 * Runs commands and file operations on a remote host over SSH.
 *
 * - one connection per executor, strict host-key checking (known_hosts or a
 *   pinned fingerprint; see `hostKeyPolicy`), key, agent or password
 *   authentication,
 *   keepalive, idle close, reconnection with backoff on the next call after a
 *   drop;
 * - commands run on up to `maxShells` persistent `sh` processes (a couple of
 *   ms each instead of a new SSH session), each framed with a fresh random
 *   marker; stdout and stderr stay apart, binary-safe, capped;
 * - a timeout or abort kills the command's process group (it runs under
 *   `setsid`) from another channel; the shell stays usable;
 * - where no persistent shell can be had (forced command, restricted shell),
 *   or with `forceExecChannels`, one exec channel per command; `info()` says
 *   which and why;
 * - file operations over the same connection: reads and metadata over SFTP
 *   (no remote process), writes as small shell scripts (atomic temp file +
 *   rename); all of them through `sudo -n` with `sudoFiles`.
 *
 * Call {@link close} when done: the connection otherwise stays open until
 * `idleTimeoutMs` passes without a command.
 *
 * @example
 * const exec = new SshExecutor({ host: 'web1', user: 'deploy', identityFile: '/home/me/.ssh/id_ed25519' });
 * const r = await exec.run(['uname', '-r']);
 * await exec.close();
 */
export class SshExecutor implements Executor {
  /** `ssh://user@host:port`. */
  readonly host: string;
  readonly #o: Resolved;
  readonly #conn: SshConnection;
  readonly #limit: ShellLimit;
  readonly #execLimiter: ChannelLimiter;
  readonly #fs: RemoteFs;
  readonly #notes: string[] = [];
  #session: Session | null = null;
  #shellUnavailable = false;
  #closed = false;

  constructor(options: SshExecutorOptions) {
    this.#o = resolveOptions(options);
    const o = this.#o;
    const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
    this.host = `ssh://${o.user}@${hostPart}:${o.port}`;
    this.#conn = new SshConnection({
      host: o.host,
      port: o.port,
      user: o.user,
      identityFile: o.identityFile,
      privateKey: o.privateKey,
      passphrase: o.passphrase,
      password: o.password,
      agent: o.agent,
      knownHostsFile: o.knownHostsFile,
      fingerprint: o.fingerprint,
      hostKeyPolicy: o.hostKeyPolicy,
      connectTimeoutMs: o.connectTimeoutMs,
      keepaliveIntervalMs: o.keepaliveIntervalMs,
      idleTimeoutMs: o.idleTimeoutMs,
      reconnectAttempts: o.reconnectAttempts,
    });
    this.#conn.onLost((error, generation) => this.#onLost(error, generation));
    this.#limit = { max: o.maxShells };
    this.#execLimiter = new ChannelLimiter(this.#limit, (text) => this.#note(text));
    if (o.forceExecChannels) this.#note('forceExecChannels is set: one exec channel per command');
    this.#fs = new RemoteFs(
      (script, args, opts = {}) => {
        const runOptions: RunOptions = { sudo: this.#o.sudoFiles };
        if (opts.input !== undefined) runOptions.input = opts.input;
        if (opts.maxOutputBytes !== undefined) runOptions.maxOutputBytes = opts.maxOutputBytes;
        return this.run({ script, args }, runOptions);
      },
      this.#o.sudoFiles ? undefined : this.#withSftp,
    );
  }

  /**
   * Run a command on the host. The command is rendered with
   * `commandToShell` (cwd and env quoted into it) and started under `setsid`
   * in its own process group. `input` up to {@link INLINE_INPUT_MAX_BYTES}
   * travels inside the script; bigger input uses its own exec channel.
   *
   * Exit statuses are as `wait` reports them: a command killed by a signal
   * the transport did not send shows as `128 + n`. A command that times out
   * or is aborted has `exitCode: null` and the signal it died of. The
   * timeout counts from the moment the command is sent to the host, not
   * while it waits for a free shell. `sudo` is `sudo -n -- ARGV` after `env`,
   * as LocalExecutor does (sudo's own env_reset then applies to `env`).
   *
   * @throws HealerError `COMMAND_INVALID`, `PATH_INVALID`, `FILE_NOT_FOUND`
   *   (missing cwd), `ABORTED` (cancelled before it started),
   *   `SUDO_PASSWORD_REQUIRED`, `CONNECTION_FAILED` (including a connection
   *   lost while the command ran), `AUTH_FAILED`, `HOST_KEY_*`.
   */
  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    let argv = toArgv(command);
    validateEnv(options.env);
    const what = argv[0]!;
    const sudo = options.sudo === true && this.#o.sudo;
    if (sudo) argv = ['sudo', '-n', '--', ...argv];
    const renderOptions: { cwd?: string; env?: Record<string, string> } = {};
    if (options.cwd !== undefined) renderOptions.cwd = options.cwd;
    if (options.env !== undefined) renderOptions.env = options.env;
    const line = commandToShell(argv, renderOptions);
    if (options.signal?.aborted) throw new HealerError('ABORTED', `Not started: ${what} was cancelled.`);
    if (this.#closed) throw new HealerError('CONNECTION_FAILED', `The SSH executor for ${this.#conn.label} is closed.`);
    const input = options.input === undefined ? undefined : typeof options.input === 'string' ? Buffer.from(options.input, 'utf8') : options.input;

    const outcome = await this.#execute({
      line,
      cwd: options.cwd,
      input,
      timeoutMs: options.timeoutMs ?? this.#o.defaultTimeoutMs,
      cap: options.maxOutputBytes ?? this.#o.defaultMaxOutputBytes,
      signal: options.signal,
      what,
      onStart: options.onStart,
    });
    if (outcome.status === 'nocwd') {
      throw new HealerError('FILE_NOT_FOUND', `Cannot run ${what}: the working directory ${options.cwd ?? ''} does not exist on ${this.#conn.label}.`);
    }
    const result = toResult(outcome);
    if (sudo && result.exitCode === 1 && /a password is required/i.test(result.stderr)) {
      throw new HealerError(
        'SUDO_PASSWORD_REQUIRED',
        `sudo on ${this.#conn.label} wants a password to run ${what}; Healer only uses passwordless sudo (sudo -n). Allow the command in sudoers with NOPASSWD.`,
        { details: { stderr: result.stderr.slice(0, 500) } },
      );
    }
    return result;
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.#fs.readFile(path, options);
  }

  /** Atomic: a temp file in the same folder, then `mv -T`; an existing file keeps its mode (and owner when root). */
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void> {
    return this.#fs.writeFile(path, data, options);
  }

  /** lstat semantics. Over SFTP (the default) `mtimeMs` has whole-second precision; with `sudoFiles`, nanoseconds as `stat` prints them. */
  stat(path: string): Promise<FileStat | null> {
    return this.#fs.stat(path);
  }

  list(path: string): Promise<DirEntry[]> {
    return this.#fs.list(path);
  }

  exists(path: string): Promise<boolean> {
    return this.#fs.exists(path);
  }

  mkdir(path: string, options?: { mode?: number }): Promise<void> {
    return this.#fs.mkdir(path, options);
  }

  remove(path: string): Promise<void> {
    return this.#fs.remove(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.#fs.rename(from, to);
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.#fs.chmod(path, mode);
  }

  /** `persistent-shell`, or `exec-channel` (with the reason in `notes`). */
  info(): TransportInfo {
    const exec = this.#o.forceExecChannels || this.#shellUnavailable;
    return { kind: 'ssh', host: this.host, mode: exec ? 'exec-channel' : 'persistent-shell', notes: [...this.#notes] };
  }

  /** End the shells and the connection. Commands still running fail with `CONNECTION_FAILED`. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#conn.close();
    this.#session?.pool.close();
    this.#session = null;
  }

  async #execute(job: Job): Promise<FramedOutcome> {
    const done = this.#conn.use();
    try {
      const { client, generation } = await this.#conn.acquire();
      const session = this.#sessionFor(client, generation);
      const bigInput = job.input !== undefined && job.input.length > INLINE_INPUT_MAX_BYTES;
      if (!this.#o.forceExecChannels && !bigInput && session.pool.unavailable === null) {
        let shell: RemoteShell | null = null;
        try {
          shell = await session.pool.acquire(job.signal);
          this.#shellUnavailable = false;
        } catch (e) {
          if (!(e instanceof ShellUnavailableError)) throw e;
          this.#shellUnavailable = true;
          this.#note(`no persistent shell (${e.reason}): one exec channel per command`);
        }
        if (shell !== null) {
          let retire = false;
          try {
            const outcome = await this.#runOnShell(shell, session, job);
            // A killed command's group gets a SIGKILL at its end anyway: no writer is left.
            retire = outcome.lingering && !outcome.timedOut && !outcome.aborted;
            return outcome;
          } finally {
            session.pool.release(shell, retire);
          }
        }
      }
      return await this.#runOnExecChannel(client, session, job);
    } catch (e) {
      throw this.#explain(e, job);
    } finally {
      done();
    }
  }

  readonly #withSftp: WithSftp = async (fn) => {
    if (this.#closed) throw new HealerError('CONNECTION_FAILED', `The SSH executor for ${this.#conn.label} is closed.`);
    const done = this.#conn.use();
    try {
      const { client, generation } = await this.#conn.acquire();
      const session = this.#sessionFor(client, generation);
      session.sftp ??= openSftp(client, SFTP_OPEN_TIMEOUT_MS).then((opened) => {
        if ('error' in opened) {
          this.#note(`SFTP unavailable (${opened.error}): file reads run as shell commands`);
          return null;
        }
        // Closed under us (not the connection): open a new one on next use.
        opened.sftp.once('close', () => {
          if (this.#session === session) session.sftp = null;
        });
        return opened.sftp;
      });
      const sftp = await session.sftp;
      return sftp === null ? null : { value: await fn(sftp) };
    } finally {
      done();
    }
  };

  #runOnShell(shell: RemoteShell, session: Session, job: Job): Promise<FramedOutcome> {
    const marker = newMarker();
    const script = buildCommandScript({
      marker,
      commandLine: job.line,
      ...(job.cwd === undefined ? {} : { cwd: job.cwd }),
      stdin: job.input !== undefined && job.input.length > 0 ? { kind: 'inline', data: job.input } : { kind: 'null' },
      features: session.pool.features,
    });
    const run = this.#newRun(marker, job, session, () => shell.destroy());
    shell.execute(run, script);
    return run.promise;
  }

  async #runOnExecChannel(client: Client, session: Session, job: Job): Promise<FramedOutcome> {
    const marker = newMarker();
    const script = buildCommandScript({
      marker,
      commandLine: job.line,
      ...(job.cwd === undefined ? {} : { cwd: job.cwd }),
      stdin: { kind: 'channel' },
      features: session.pool.features,
    });
    let channel: ClientChannel | undefined;
    const run = this.#newRun(marker, job, session, () => channel?.close());
    try {
      await this.#execLimiter.run(
        () =>
          startOnExecChannel({
            open: async (command) => (channel = await this.#conn.exec(client, command)),
            run,
            script,
            input: job.input,
            label: this.#conn.label,
          }),
        () => run.promise,
        job.signal,
      );
    } catch (e) {
      // Never started: settle the run so it leaves the session's list.
      run.fail(e as Error);
      throw e;
    }
    return run.promise;
  }

  #newRun(marker: string, job: Job, session: Session, abandon: () => void): FramedRun {
    const run = new FramedRun({
      marker,
      cap: job.cap,
      timeoutMs: job.timeoutMs,
      signal: job.signal,
      kill: (pid, signal) => this.#kill(pid, signal, session),
      // Under setsid the reported pid is the group's leader (see buildCommandScript).
      onPid: (pid) => job.onStart?.({ pid, pgid: session.pool.features.setsid ? pid : null }),
      abandon,
    });
    session.runs.add(run);
    const forget = (): void => {
      session.runs.delete(run);
    };
    run.promise.then(forget, forget);
    return run;
  }

  /** Signal a command from another channel: an idle shell if there is one (instant), else a short exec channel. */
  #kill(pid: number, signal: 'TERM' | 'KILL', session: Session, attempt = 0): void {
    const line = killLine(pid, signal);
    const shell = session.pool.idleShell();
    if (shell !== undefined) {
      shell.send(line);
      return;
    }
    const current = this.#conn.current;
    if (current === null || current.generation !== session.generation) return;
    this.#conn.exec(current.client, `sh -c '${line}'`).then(
      (channel) => {
        channel.on('error', () => undefined);
        channel.resume();
        channel.stderr.resume();
        channel.end();
      },
      () => {
        // No session free (the server's limit): try again shortly, an idle shell may appear.
        if (attempt < KILL_RETRIES) setTimeout(() => this.#kill(pid, signal, session, attempt + 1), KILL_RETRY_MS).unref();
      },
    );
  }

  #sessionFor(client: Client, generation: number): Session {
    if (this.#session !== null && this.#session.generation === generation) return this.#session;
    const pool = new ShellPool({
      open: () => this.#conn.exec(client, 'sh'),
      limit: this.#limit,
      label: this.#conn.label,
      note: (text) => this.#note(text),
    });
    this.#session = { generation, client, pool, runs: new Set(), sftp: null };
    return this.#session;
  }

  #onLost(error: HealerError, generation: number): void {
    const session = this.#session;
    if (session === null || session.generation !== generation) return;
    this.#session = null;
    for (const run of session.runs) run.fail(error);
    session.pool.fail(error);
  }

  /** Name the command in a lost-connection error. */
  #explain(e: unknown, job: Job): unknown {
    if (!isHealerError(e, 'CONNECTION_FAILED')) return e;
    const reason = e.details?.['reason'];
    if (e.details?.['lost'] === true && typeof reason === 'string') {
      return new HealerError('CONNECTION_FAILED', `The connection to ${this.#conn.label} was lost while running ${job.what}: ${reason}.`, {
        cause: e,
        details: { lost: true, reason, command: job.what },
      });
    }
    return e;
  }

  #note(text: string): void {
    if (!this.#notes.includes(text)) this.#notes.push(text);
  }
}
