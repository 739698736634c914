/**
 * One exec channel per command: the fallback where a persistent shell cannot
 * be had (a forced command, a restricted shell), the path for inputs too big
 * to inline in a shell script, and `forceExecChannels`. The same framed
 * script runs under `sh` (see `execChannelCommand`), so exit status, pid and
 * timeout handling are the same as on a persistent shell. The channel's
 * stdin carries the script, then the command's input.
 * @internal
 */
import type { ClientChannel } from 'ssh2';
import { HealerError } from '../errors.js';
import { ChannelOpenError } from './connect-errors.js';
import { execChannelCommand } from './framing.js';
import type { FramedRun } from './framed-run.js';
import type { ShellLimit } from './shell-pool.js';

export interface ExecChannelRun {
  /** Open an exec channel for `command` (the text the login shell runs). */
  open(command: string): Promise<ClientChannel>;
  run: FramedRun;
  /** A framed script built with `stdin: { kind: 'channel' }`; sent on the channel's stdin ahead of the input. */
  script: string;
  input?: Uint8Array | undefined;
  /** `user@host:port`, for messages. */
  label: string;
}

/**
 * Open the channel, feed the input, and wire both streams into `run`. Resolves
 * once the command started (the run settles on its own); rejects with a
 * {@link ChannelOpenError} when no channel could be opened.
 */
export async function startOnExecChannel(options: ExecChannelRun): Promise<void> {
  const { run } = options;
  const script = Buffer.from(options.script, 'utf8');
  const channel = await options.open(execChannelCommand(script.length));
  let exitCode: number | null = null;
  let rawErr = '';
  channel.on('data', (chunk: Buffer) => run.pushStdout(chunk));
  channel.stderr.on('data', (chunk: Buffer) => {
    if (rawErr.length < 300) rawErr += chunk.toString('utf8');
    run.pushStderr(chunk);
  });
  channel.on('error', () => {
    // reported through 'close'
  });
  channel.on('exit', (code: number | null) => {
    exitCode = code;
  });
  channel.once('close', () => {
    if (run.settled) return;
    const said = rawErr.replace(/\s+/g, ' ').trim().slice(0, 200);
    run.fail(
      new HealerError(
        'COMMAND_FAILED',
        `The exec channel on ${options.label} closed before the command finished` +
          `${exitCode === null ? '' : ` (exit code ${exitCode})`}${said === '' ? '' : `: ${JSON.stringify(said)}`}; ` +
          'the server may not run the command as sent (a forced command?).',
      ),
    );
  });
  void run.promise.then(
    () => closeChannel(channel),
    () => closeChannel(channel),
  );
  run.start();
  // The script first (sh reads exactly its length), then the command's input.
  channel.write(script);
  channel.end(options.input !== undefined && options.input.length > 0 ? Buffer.from(options.input) : undefined);
}

function closeChannel(channel: ClientChannel): void {
  try {
    channel.close();
  } catch {
    // already closed
  }
}

/**
 * Bounds the number of exec channels open at once (each is an SSH session;
 * servers allow few per connection, OpenSSH 10 by default). Shrinks like the
 * shell pool when the server refuses one.
 */
export class ChannelLimiter {
  readonly #limit: ShellLimit;
  readonly #note: (text: string) => void;
  #active = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(limit: ShellLimit, note: (text: string) => void) {
    this.#limit = limit;
    this.#note = note;
  }

  /**
   * Run `start` inside a slot; when the server refuses the channel while
   * others are open, shrink the limit and try again once a slot frees.
   * `start` resolves when the command started; the slot is held until `done` settles.
   */
  async run(start: () => Promise<void>, done: () => Promise<unknown>, signal?: AbortSignal): Promise<void> {
    for (;;) {
      await this.#acquire(signal);
      try {
        await start();
      } catch (e) {
        const others = this.#active - 1;
        this.#release();
        if (e instanceof ChannelOpenError && e.prohibited && others > 0) {
          const max = Math.max(1, others - 1);
          if (max < this.#limit.max) {
            this.#note(`the server refused another session channel with ${others} open; at most ${max} commands now run at once`);
            this.#limit.max = max;
          }
          continue;
        }
        throw e;
      }
      void done().then(
        () => this.#release(),
        () => this.#release(),
      );
      return;
    }
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    if (this.#active < this.#limit.max) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(new HealerError('ABORTED', 'Not started: the command was cancelled while waiting for a free SSH session.'));
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#active++;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  #release(): void {
    this.#active--;
    while (this.#active < this.#limit.max && this.#waiters.length > 0) this.#waiters.shift()!();
  }
}
