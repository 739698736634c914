/**
 * A small pool of persistent remote shells (see remote-shell.ts) on one SSH
 * connection: a command sent to an open shell costs a millisecond or two
 * instead of a new SSH session.
 * Shells are opened lazily, up to `limit.max`; when the server refuses another
 * session channel the limit shrinks so the pool stays under its MaxSessions
 * with one session to spare (for kills and one-off exec channels).
 * @internal
 */
import type { ClientChannel } from 'ssh2';
import { HealerError } from '../errors.js';
import { ChannelOpenError } from './connect-errors.js';
import { LINUX_FEATURES, type ShellFeatures } from './framing.js';
import { probeShell, ShellUnavailableError, type RemoteShell } from './remote-shell.js';

/** The shell limit, shared by the pools of successive connections (the server's limit does not change on reconnect). */
export interface ShellLimit {
  max: number;
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
  /** What the host's shell offers (from the probe); assumed until a probe says otherwise. */
  #features: ShellFeatures = LINUX_FEATURES;

  constructor(options: ShellPoolOptions) {
    this.#options = options;
  }

  /** Set once a probe showed that no persistent shell can be had on this connection. */
  get unavailable(): ShellUnavailableError | null {
    return this.#unavailable;
  }

  /** What the host's shell offers: `setsid` (a timeout kills the whole process group), `/dev/fd`. */
  get features(): ShellFeatures {
    return this.#features;
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

  /** An idle shell to run a control line on (not reserved: the line runs before any command sent after it). */
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

  async #openShell(): Promise<RemoteShell> {
    const channel = await this.#options.open();
    const { shell, features } = await probeShell(channel, this.#options.label, this.#options.probeTimeoutMs);
    if (!features.setsid && this.#features.setsid) {
      this.#options.note('setsid is missing on the host: a timeout kills the command but not the processes it started');
    }
    this.#features = features;
    return shell;
  }
}
