/**
 * One persistent remote shell: `sh` on an exec channel (no pty: no echo, no
 * prompt), fed framed scripts on stdin, one command at a time; and the probe
 * that proves a new channel is such a shell.
 * @internal
 */
import type { ClientChannel } from 'ssh2';
import { HealerError } from '../errors.js';
import { buildProbeScript, featuresFromProbe, FrameReader, newMarker, type ShellFeatures } from './framing.js';
import type { FramedRun } from './framed-run.js';

/** How long a new shell has to answer the probe before the transport falls back to exec channels. */
export const PROBE_TIMEOUT_MS = 5_000;

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

/**
 * Probe a freshly opened `sh` channel: a framed answer within `timeoutMs`
 * makes it a {@link RemoteShell}; anything else closes the channel and throws
 * {@link ShellUnavailableError} with what the server said.
 */
export async function probeShell(channel: ClientChannel, label: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<{ shell: RemoteShell; features: ShellFeatures }> {
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
  const features = featuresFromProbe(stdout.status);
  if (features === null) {
    channel.close();
    throw new ShellUnavailableError(`the remote shell answered the probe with ${JSON.stringify(stdout.status)}`);
  }
  return { shell: new RemoteShell(channel, label), features };
}


function heard(raw: Buffer[]): string {
  const text = Buffer.concat(raw).toString('utf8').replace(/\s+/g, ' ').trim();
  return text === '' ? '' : `; it said: ${JSON.stringify(text.slice(0, 200))}`;
}
