/**
 * The life of one framed command on a remote shell or exec channel: collect
 * its two framed streams, and on timeout or abort kill its process group from
 * another channel (TERM, then KILL after a grace period), never the shell.
 * @internal
 */
import { FrameReader } from './framing.js';

/** How long a command may ignore SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** How long after SIGKILL the transport waits for the end before giving the stream up. */
export const ABANDON_AFTER_KILL_MS = 3_000;

export interface FramedRunOptions {
  marker: string;
  /** Output cap per stream. */
  cap: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Signal the command (its group when it has one) through another channel. Must not throw. */
  kill(pid: number, signal: 'TERM' | 'KILL'): void;
  /** Called once with the command's pid, as soon as the shell reports it. */
  onPid?: ((pid: number) => void) | undefined;
  /** The command would not die: drop the stream it runs on (the transport then calls {@link FramedRun.fail}). */
  abandon(): void;
}

export interface FramedOutcome {
  /** The end token's payload (exit status or `nocwd`); null when the stream was abandoned after a kill. */
  status: string | null;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  /** The command's process group outlived it: its shell must not run another command. */
  lingering: boolean;
  /** The last signal sent to the command, if it was killed. */
  signalSent: 'SIGTERM' | 'SIGKILL' | null;
  durationMs: number;
}

export class FramedRun {
  readonly #options: FramedRunOptions;
  readonly #stdout: FrameReader;
  readonly #stderr: FrameReader;
  readonly promise: Promise<FramedOutcome>;
  #resolve!: (outcome: FramedOutcome) => void;
  #reject!: (error: Error) => void;
  #settled = false;
  #started = 0;
  #timedOut = false;
  #aborted = false;
  #killing = false;
  #signalSent: 'SIGTERM' | 'SIGKILL' | null = null;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #onAbort = (): void => {
    this.#aborted = true;
    this.#stop();
  };

  constructor(options: FramedRunOptions) {
    this.#options = options;
    this.#stdout = new FrameReader(options.marker, options.cap);
    this.#stderr = new FrameReader(options.marker, options.cap, (pid) => {
      options.onPid?.(pid);
      if (this.#killing) this.#signal(pid, 'TERM');
    });
    this.promise = new Promise<FramedOutcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The command's pid once reported. */
  get pid(): number | null {
    return this.#stderr.pid;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Call when the script has been sent: starts the timeout and listens to the abort signal. */
  start(): void {
    this.#started = performance.now();
    this.#after(this.#options.timeoutMs, () => {
      this.#timedOut = true;
      this.#stop();
    });
    const signal = this.#options.signal;
    if (signal?.aborted) this.#onAbort();
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  pushStdout(chunk: Buffer): void {
    this.#stdout.push(chunk);
    this.#check();
  }

  pushStderr(chunk: Buffer): void {
    this.#stderr.push(chunk);
    this.#check();
  }

  /** The stream died before the end tokens. A command being killed counts as killed; otherwise `error` is the result. */
  fail(error: Error): void {
    if (this.#settled) return;
    if (this.#killing) {
      this.#finish(null);
      return;
    }
    this.#cleanup();
    this.#settled = true;
    this.#reject(error);
  }

  #check(): void {
    if (this.#settled || !this.#stdout.done || !this.#stderr.done) return;
    this.#finish(this.#stdout.status);
  }

  #finish(status: string | null): void {
    this.#cleanup();
    this.#settled = true;
    const pid = this.#stderr.pid;
    // Leave no member of a killed group behind (a child that ignored TERM while its parent died).
    if (this.#killing && pid !== null) this.#options.kill(pid, 'KILL');
    this.#resolve({
      status,
      stdout: this.#stdout.output(),
      stderr: this.#stderr.output(),
      truncated: this.#stdout.truncated || this.#stderr.truncated,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
      lingering: this.#stdout.lingering,
      signalSent: this.#killing ? (this.#signalSent ?? 'SIGTERM') : null,
      durationMs: Math.round((performance.now() - this.#started) * 1000) / 1000,
    });
  }

  #stop(): void {
    if (this.#killing || this.#settled) return;
    this.#killing = true;
    const pid = this.#stderr.pid;
    if (pid !== null) this.#signal(pid, 'TERM');
    this.#after(KILL_GRACE_MS, () => {
      const p = this.#stderr.pid;
      if (p !== null) this.#signal(p, 'KILL');
    });
    this.#after(KILL_GRACE_MS + ABANDON_AFTER_KILL_MS, () => this.#options.abandon());
  }

  #signal(pid: number, signal: 'TERM' | 'KILL'): void {
    if (this.#settled) return;
    this.#signalSent = signal === 'TERM' ? 'SIGTERM' : 'SIGKILL';
    this.#options.kill(pid, signal);
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      if (!this.#settled) fn();
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #cleanup(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
  }
}
