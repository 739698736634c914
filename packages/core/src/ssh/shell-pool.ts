/**
 * A small pool of persistent remote shells on one SSH connection. Each shell
 * is `sh` started through one exec request (no pty: no echo, no prompt) and
 * fed framed scripts on stdin, one command at a time; a command sent to an
 * open shell costs a couple of milliseconds instead of a new SSH session.
 * Shells are opened lazily, up to `limit.max`; when the server refuses another
 * session channel the limit shrinks so the pool stays under its MaxSessions
 * with one session to spare (for kills and one-off exec channels).
 * @internal
 */
import type { ClientChannel } from 'ssh2';
import { HealerError } from '../errors.js';
import { ChannelOpenError } from './connection.js';
import { buildProbeScript, FrameReader, newMarker } from './framing.js';
import type { FramedRun } from './framed-run.js';

/** How long a new shell has to answer the probe before the transport falls back to exec channels. */
export const PROBE_TIMEOUT_MS = 5_000;

/** The shell limit, shared by the pools of successive connections (the server's limit does not change on reconnect). */
export interface ShellLimit {
  max: number;
}

/** A persistent shell could not be had: the transport must use one exec channel per command. */
export class ShellUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`No persistent shell: ${reason}`);
    this.name = 'ShellUnavailableError';
  }
}

/** The shell's channel closed (its connection may still be up). */
export class ShellClosedError extends HealerError {
  constructor(label: string) {
    super('CONNECTION_FAILED', `The remote shell on ${label} ended unexpectedly.`);
  }
}

/** One open remote shell. */
export class RemoteShell {
  readonly #channel: ClientChannel;
  readonly #label: string;
  #current: FramedRun | null = null;
  #alive = true;
  readonly #closeListeners: Array<() => void> = [];

  constructor(channel: ClientChannel, label: string) {
    this.#channel = channel;
    this.#label = label;
    channel.on('data', (chunk: Buffer) => this.#current?.pushStdout(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.#current?.pushStderr(chunk));
    channel.on('error', () => {
      // reported through 'close'
    });
    channel.once('close', () => {
      this.#alive = false;
      const current = this.#current;
      this.#current = null;
      current?.fail(new ShellClosedError(this.#label));
      for (const listener of this.#closeListeners) listener();
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  /** Send one framed script and start the run's clock; the run settles through its readers. */
  execute(run: FramedRun, script: string): void {
    if (!this.#alive) {
      run.fail(new ShellClosedError(this.#label));
      return;
    }
    this.#current = run;
    void run.promise.then(
      () => this.#clear(run),
      () => this.#clear(run),
    );
    this.#channel.write(script);
    run.start();
  }

  /** Write a line for the shell to run between commands (a kill for a command on another channel). Only on an idle shell. */
  send(line: string): void {
    if (this.#alive) this.#channel.write(`${line}\n`);
  }

  /** Close the channel (ends the shell; its running command, if any, fails or counts as killed). */
  destroy(): void {
    if (!this.#alive) return;
    try {
      this.#channel.close();
    } catch {
      // already closing
    }
  }

  #clear(run: FramedRun): void {
    if (this.#current === run) this.#current = null;
  }
}

interface Waiter {
  resolve(shell: RemoteShell): void;
  reject(error: unknown): void;
}

export interface ShellPoolOptions {
  /** Open a session channel running `sh` (an exec request). */
  open(): Promise<ClientChannel>;
  limit: ShellLimit;
  /** `user@host:port`, for messages. */
  label: string;
  /** Record a transport note (why the pool shrank). */
  note(text: string): void;
  probeTimeoutMs?: number;
}

export class ShellPool {
  readonly #options: ShellPoolOptions;
  readonly #shells = new Set<RemoteShell>();
  readonly #idle: RemoteShell[] = [];
  readonly #waiters: Waiter[] = [];
  #opening = 0;
  /** The server refused a session channel: shrink the limit once every open in flight has settled. */
  #refused = false;
  #failed: unknown = null;
  #unavailable: ShellUnavailableError | null = null;
  /** Whether `setsid` exists on the host (from the probe); assumed until a probe says otherwise. */
  #newSession = true;

  constructor(options: ShellPoolOptions) {
    this.#options = options;
  }

  /** Set once a probe showed that no persistent shell can be had on this connection. */
  get unavailable(): ShellUnavailableError | null {
    return this.#unavailable;
  }

  /** Whether commands can be started under `setsid` (so a timeout kills their whole process group). */
  get newSession(): boolean {
    return this.#newSession;
  }

  /** Number of open shells. */
  get size(): number {
    return this.#shells.size;
  }

  /** A free shell, opening one if under the limit, else the next one released. */
  acquire(signal?: AbortSignal): Promise<RemoteShell> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (this.#unavailable !== null) return Promise.reject(this.#unavailable);
    return new Promise<RemoteShell>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(new HealerError('ABORTED', 'Not started: the command was cancelled while waiting for a free remote shell.'));
      };
      const waiter: Waiter = {
        resolve: (shell) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(shell);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  /** Give a shell back after its command settled; `retire` closes it instead (a background child of the command may still write into it). */
  release(shell: RemoteShell, retire = false): void {
    if (retire) {
      this.#forget(shell);
      shell.destroy();
    } else if (!shell.alive || !this.#shells.has(shell)) {
      this.#forget(shell);
    } else if (this.#shells.size > this.#options.limit.max || this.#failed !== null) {
      this.#forget(shell);
      shell.destroy();
    } else {
      this.#idle.push(shell);
    }
    this.#dispatch();
  }

  /** An idle shell other than `except`, to run a control line on (not reserved: the line runs between commands). */
  idleShell(): RemoteShell | undefined {
    return this.#idle.find((s) => s.alive);
  }

  /** The connection is gone: fail the waiters, drop the shells (their running commands fail through their channels). */
  fail(error: unknown): void {
    if (this.#failed !== null) return;
    this.#failed = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const shell of this.#shells) shell.destroy();
    this.#shells.clear();
    this.#idle.length = 0;
  }

  /** Close every shell. */
  close(): void {
    this.fail(new HealerError('CONNECTION_FAILED', `The SSH connection to ${this.#options.label} was closed.`));
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#idle.length > 0) {
      const shell = this.#idle.pop()!;
      if (!shell.alive) continue;
      this.#waiters.shift()!.resolve(shell);
    }
    while (
      this.#failed === null &&
      this.#unavailable === null &&
      this.#waiters.length > this.#opening &&
      this.#shells.size + this.#opening < this.#options.limit.max
    ) {
      this.#opening++;
      this.#openShell().then(
        (shell) => this.#opened(shell),
        (error: unknown) => this.#openFailed(error),
      );
    }
  }

  #opened(shell: RemoteShell): void {
    this.#opening--;
    if (this.#failed !== null) {
      shell.destroy();
      return;
    }
    this.#shells.add(shell);
    shell.onClose(() => {
      this.#forget(shell);
      this.#dispatch();
    });
    this.#idle.push(shell);
    this.#settleRefusal();
    this.#dispatch();
  }

  #openFailed(error: unknown): void {
    this.#opening--;
    if (this.#failed !== null) return;
    if (error instanceof ShellUnavailableError) {
      this.#unavailable = error;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
      return;
    }
    if (error instanceof ChannelOpenError && error.prohibited) this.#refused = true;
    this.#settleRefusal();
    // Nothing else can serve the waiters: fail them rather than let them hang.
    if (this.#shells.size === 0 && this.#opening === 0) {
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
      return;
    }
    this.#dispatch();
  }

  /**
   * Once the opens in flight have settled after a refusal, the open shells
   * are all the server allows: keep one fewer, so a session stays free for a
   * kill or an exec channel.
   */
  #settleRefusal(): void {
    if (!this.#refused || this.#opening > 0 || this.#shells.size === 0) return;
    this.#refused = false;
    const open = this.#shells.size;
    const max = Math.max(1, open - 1);
    if (max >= this.#options.limit.max) return;
    this.#options.note(`the server refused another session channel with ${open} shell(s) open; the pool now keeps at most ${max} (one session spare)`);
    this.#options.limit.max = max;
    while (this.#shells.size > max && this.#idle.length > 0) {
      const shell = this.#idle.pop()!;
      this.#forget(shell);
      shell.destroy();
    }
  }

  #forget(shell: RemoteShell): void {
    this.#shells.delete(shell);
    const i = this.#idle.indexOf(shell);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** Open a shell and probe it: a framed answer within the probe timeout, or the reason why not. */
  async #openShell(): Promise<RemoteShell> {
    const channel = await this.#options.open();
    channel.on('error', () => {
      // reported through 'close'
    });
    const marker = newMarker();
    const stdout = new FrameReader(marker, 256);
    const stderr = new FrameReader(marker, 256);
    const raw: Buffer[] = [];
    let rawSize = 0;
    const keepRaw = (chunk: Buffer): void => {
      if (rawSize < 512) raw.push(chunk.subarray(0, 512 - rawSize));
      rawSize += chunk.length;
    };
    const timeoutMs = this.#options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
    let exitCode: number | null = null;
    let onStdout: (c: Buffer) => void = () => undefined;
    let onStderr: (c: Buffer) => void = () => undefined;
    let onClose: () => void = () => undefined;
    const onExit = (code: number | null): void => {
      exitCode = code;
    };
    const detach = (): void => {
      channel.removeListener('data', onStdout);
      channel.stderr.removeListener('data', onStderr);
      channel.removeListener('close', onClose);
      channel.removeListener('exit', onExit);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new ShellUnavailableError(`the remote shell did not answer a probe within ${timeoutMs} ms${heard(raw)}`)),
          timeoutMs,
        );
        const check = (): void => {
          if (stdout.done && stderr.done) {
            clearTimeout(timer);
            resolve();
          }
        };
        onStdout = (c) => {
          keepRaw(c);
          stdout.push(c);
          check();
        };
        onStderr = (c) => {
          keepRaw(c);
          stderr.push(c);
          check();
        };
        onClose = () => {
          clearTimeout(timer);
          reject(
            new ShellUnavailableError(
              `the remote shell ended before answering a probe${exitCode === null ? '' : ` (exit code ${exitCode})`}${heard(raw)} ` +
                '(a forced command, a restricted shell, or no POSIX sh)',
            ),
          );
        };
        channel.on('data', onStdout);
        channel.stderr.on('data', onStderr);
        channel.on('exit', onExit);
        channel.once('close', onClose);
        channel.write(buildProbeScript(marker));
      });
    } catch (e) {
      detach();
      try {
        channel.close();
      } catch {
        // already closed
      }
      throw e;
    }
    detach();
    if (stdout.status === '1') this.#newSession = false;
    return new RemoteShell(channel, this.#options.label);
  }
}

function heard(raw: Buffer[]): string {
  const text = Buffer.concat(raw).toString('utf8').replace(/\s+/g, ' ').trim();
  return text === '' ? '' : `; it said: ${JSON.stringify(text.slice(0, 200))}`;
}
