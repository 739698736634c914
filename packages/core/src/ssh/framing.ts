/**
 * The wire format between the SSH transport and a remote POSIX shell. Pure:
 * it builds script text and parses output bytes, it never touches a socket.
 *
 * Every command gets its own marker: 128 bits from the CSPRNG, so neither the
 * command nor anything it prints can know, guess or forge it. The marker only
 * travels on the shell's stdin (never in an argv that `ps` shows). Each of
 * stdout and stderr carries tokens of the form `<marker><type><payload>\n`:
 *
 * - `S` (start, both streams, written before the command starts): bytes
 *   before it belong to nobody (a stray write of an earlier command's
 *   background child) and are dropped;
 * - `P<pid>` (stderr only, written just after the command started in the
 *   background): the pid, which is also its process group when it runs
 *   under `setsid`; it may land anywhere in the command's stderr, and is cut
 *   out of it (one short `printf` is one atomic pipe write);
 * - `L` (stdout only, just before the end): the command's process group
 *   outlived it (a background child may still hold the shell's stdout or
 *   stderr and write into a later command's frame), so the shell must be
 *   retired rather than reused;
 * - `E<status>` (both streams, after the command ended): its exit status as
 *   `wait` reports it, or `nocwd` when the working directory is missing.
 *
 * stdout and stderr are separate SSH channel streams, so they stay apart, and
 * the parser works on bytes, so binary output is kept byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { quoteShellWord } from '../exec/quote.js';

/** Marker prefix; the rest is 32 hex digits (128 random bits). Letters and digits only, so it is literal in `printf` and in any shell. */
const MARKER_PREFIX = 'HEALER';
const MARKER_RE = /^[A-Za-z0-9]{16,64}$/;
/** Longest token payload (a pid, an exit status, `nocwd`). */
const MAX_PAYLOAD = 32;
const NEWLINE = 0x0a;

/** A fresh per-command marker: `HEALER` + 32 hex digits from `crypto.randomBytes`. */
export function newMarker(): string {
  return `${MARKER_PREFIX}${randomBytes(16).toString('hex')}`;
}

/** Where the command's stdin comes from. */
export type ScriptStdin =
  /** `</dev/null`: the command can never read the shell's own stdin. */
  | { kind: 'null' }
  /** The bytes, base64 in a here-document decoded by `base64 -d` (for a persistent shell). */
  | { kind: 'inline'; data: Uint8Array }
  /** The channel's stdin after the script, saved on fd 4 at the top of the script (for a one-off exec channel). */
  | { kind: 'channel' };

/** What the remote shell offers, as the probe found it (both true on any usual Linux). */
export interface ShellFeatures {
  /** `setsid` exists: the command gets its own process group, which a timeout kills whole. */
  setsid: boolean;
  /** `/dev/fd/N` works: the command text is sourced from a here-document without a `cat` process. */
  devFd: boolean;
}

/** The features assumed until a probe says otherwise. */
export const LINUX_FEATURES: ShellFeatures = { setsid: true, devFd: true };

export interface CommandScriptOptions {
  marker: string;
  /** The command as one `sh` line, from `commandToShell` (it already holds the `cd` and `env`). */
  commandLine: string;
  /** Checked with `[ -d ]` before starting, so a missing folder is reported as `nocwd` rather than as the command's failure. */
  cwd?: string;
  stdin: ScriptStdin;
  features: ShellFeatures;
}

/**
 * The framed script for one command. For a persistent shell it is fed on
 * stdin as is; for an exec channel it is sent ahead of the input (see
 * {@link execChannelCommand}).
 *
 * The command runs in the background (`&`), so the shell can report its pid
 * at once, then `wait`s for it: a timeout kills the command from another
 * channel and the shell, no longer waiting, stays usable. The command text
 * travels in a here-document on fd 3 rather than as an argument, so its
 * length is bounded only by each of its own arguments (128 KiB on Linux), as
 * for a local command.
 */
export function buildCommandScript(options: CommandScriptOptions): string {
  const m = checkMarker(options.marker);
  const { setsid, devFd } = options.features;
  const load = devFd ? '. /dev/fd/3' : 'eval "$(cat <&3)"';
  // Under setsid, the process the shell waits for is a small fixed wrapper that survives SIGTERM
  // (a handler, reset at exec, so the command itself keeps the default) and so reports the command's
  // own fate: a command that ignores TERM keeps the wrapper waiting until the group gets SIGKILL.
  const runner = setsid ? `setsid sh -c 'trap : TERM; ${load}' sh` : `sh -c '${load}' sh`;
  const cmdEof = `${m}_CMD`;
  const lines: string[] = [];
  if (options.stdin.kind === 'channel') lines.push('exec 4<&0');
  lines.push(`printf '${m}S\\n'; printf '${m}S\\n' >&2`);
  if (options.cwd !== undefined) lines.push(`if [ -d ${quoteShellWord(options.cwd)} ]; then`);
  const input = options.stdin;
  if (input.kind === 'inline' && input.data.length > 0) {
    const inEof = `${m}_IN`;
    lines.push(`base64 -d <<'${inEof}' | ${runner} 3<<'${cmdEof}' &`, ...base64Lines(input.data), inEof);
  } else if (input.kind === 'channel') {
    lines.push(`${runner} 3<<'${cmdEof}' <&4 4<&- &`);
  } else {
    lines.push(`${runner} 3<<'${cmdEof}' </dev/null &`);
  }
  // The here-document: the command never sees fd 3. The secret marker cannot occur in the command text.
  lines.push('exec 3<&-', options.commandLine, cmdEof);
  // wait's stderr is the shell's job report ("Terminated"), not the command's output.
  lines.push(`p=$!; printf '${m}P%s\\n' "$p" >&2; wait "$p" 2>/dev/null; s=$?`);
  if (setsid) lines.push(`kill -s 0 -- -"$p" 2>/dev/null && printf '${m}L\\n'`);
  if (options.cwd !== undefined) lines.push('else s=nocwd; fi');
  lines.push(`printf '${m}E%s\\n' "$s"; printf '${m}E%s\\n' "$s" >&2`);
  return lines.join('\n') + '\n';
}

/**
 * The probe a new persistent shell must answer: proves it is a POSIX shell
 * that reads commands from stdin, and reports what it offers as a status:
 * +1 when `setsid` is missing, +2 when `/dev/fd/N` does not work (see
 * {@link featuresFromProbe}).
 */
export function buildProbeScript(marker: string): string {
  const m = checkMarker(marker);
  return [
    `printf '${m}S\\n'; printf '${m}S\\n' >&2; s=0`,
    'command -v setsid >/dev/null 2>&1 || s=1',
    // In a subshell: a failing `.` would end a non-interactive shell.
    `( . /dev/fd/3 ) 3<<'${m}_P' >/dev/null 2>&1 || s=$((s + 2))`,
    'exit 0',
    `${m}_P`,
    `printf '${m}E%s\\n' "$s"; printf '${m}E%s\\n' "$s" >&2`,
    '',
  ].join('\n');
}

/** The features a probe status reports; null when the status is not a probe answer. */
export function featuresFromProbe(status: string | null): ShellFeatures | null {
  if (status === null || !/^[0-3]$/.test(status)) return null;
  const bits = Number(status);
  return { setsid: (bits & 1) === 0, devFd: (bits & 2) === 0 };
}

/**
 * The text of the SSH exec request that runs a script sent first on the
 * channel's stdin: `sh` reads exactly `scriptBytes` bytes (`dd` with
 * `iflag=fullblock` never reads past them) and runs them; what follows on
 * stdin is the command's input. Only digits vary, inside single quotes that
 * hold nothing a login shell (bash, dash, zsh, fish, csh) would interpret, and
 * the text stays short whatever the script's size.
 */
export function execChannelCommand(scriptBytes: number): string {
  if (!Number.isSafeInteger(scriptBytes) || scriptBytes <= 0) throw new Error(`Invalid script size ${scriptBytes}.`);
  return `sh -c 'eval "$(dd bs=${scriptBytes} count=1 iflag=fullblock 2>/dev/null)"'`;
}

/**
 * A shell line that sends `signal` to the process group `pid` and to `pid`
 * itself: the group does not exist until `setsid` has run in the child (and
 * never without setsid), and a missing group is harmless. Only digits and a
 * signal name: safe in any shell.
 */
export function killLine(pid: number, signal: 'TERM' | 'KILL'): string {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`Refusing to signal pid ${pid}.`);
  return `kill -s ${signal} -- -${pid} ${pid} 2>/dev/null`;
}

function base64Lines(data: Uint8Array): string[] {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 4096) lines.push(b64.slice(i, i + 4096));
  return lines;
}

function checkMarker(marker: string): string {
  if (!MARKER_RE.test(marker)) throw new Error('A frame marker must be 16 to 64 letters and digits.');
  return marker;
}

/**
 * Incremental parser of one framed stream (stdout or stderr) of one command.
 * Push chunks as they arrive, split anywhere; the output between the start
 * and end tokens is kept up to `cap` bytes (the rest is counted as
 * `truncated`, still scanned for the end token).
 */
export class FrameReader {
  readonly #marker: Buffer;
  readonly #cap: number;
  #state: 'start' | 'body' | 'done' = 'start';
  /** Bytes held back because they may be the beginning of a token. */
  #pending: Buffer = Buffer.alloc(0);
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;
  #status: string | null = null;
  #pid: number | null = null;
  #lingering = false;
  readonly #onPid: ((pid: number) => void) | undefined;

  /** `onPid` is called once, as soon as the pid token is seen. */
  constructor(marker: string, cap: number, onPid?: (pid: number) => void) {
    this.#marker = Buffer.from(checkMarker(marker), 'latin1');
    this.#cap = Math.max(0, cap);
    this.#onPid = onPid;
  }

  /** True once the start token was seen. */
  get started(): boolean {
    return this.#state !== 'start';
  }

  /** True once the end token was seen. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** The end token's payload: an exit status (`'0'`..`'255'`) or `'nocwd'`; null before the end. */
  get status(): string | null {
    return this.#status;
  }

  /** The pid from the pid token, or null. */
  get pid(): number | null {
    return this.#pid;
  }

  /** True when the lingering token was seen: the command's process group outlived it. */
  get lingering(): boolean {
    return this.#lingering;
  }

  /** True when output went over the cap. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** The output kept so far (at most `cap` bytes). */
  output(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }

  /** Feed the next chunk. Bytes after the end token are ignored. */
  push(chunk: Uint8Array): void {
    if (this.#state === 'done' || chunk.length === 0) return;
    const incoming = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, incoming]) : incoming;
    this.#pending = Buffer.alloc(0);
    const m = this.#marker;
    let pos = 0;
    while (pos < buf.length && !this.done) {
      const at = buf.indexOf(m, pos);
      if (at === -1) {
        const keep = partialMarkerSuffix(buf, pos, m);
        this.#emit(buf.subarray(pos, buf.length - keep));
        this.#pending = Buffer.from(buf.subarray(buf.length - keep));
        return;
      }
      this.#emit(buf.subarray(pos, at));
      const typeAt = at + m.length;
      const nl = buf.indexOf(NEWLINE, typeAt);
      if (nl === -1) {
        if (buf.length - typeAt <= MAX_PAYLOAD + 1) {
          this.#pending = Buffer.from(buf.subarray(at));
          return;
        }
        // Not a token after all (cannot happen with a secret marker): plain output.
        this.#emit(buf.subarray(at, typeAt));
        pos = typeAt;
        continue;
      }
      if (nl - typeAt > MAX_PAYLOAD + 1 || nl === typeAt) {
        this.#emit(buf.subarray(at, typeAt));
        pos = typeAt;
        continue;
      }
      this.#token(String.fromCharCode(buf[typeAt]!), buf.toString('latin1', typeAt + 1, nl));
      pos = nl + 1;
    }
  }

  #token(type: string, payload: string): void {
    if (type === 'S') {
      if (this.#state === 'start') this.#state = 'body';
    } else if (type === 'P') {
      if (this.#pid === null && /^[0-9]{1,10}$/.test(payload)) {
        this.#pid = Number(payload);
        this.#onPid?.(this.#pid);
      }
    } else if (type === 'L') {
      this.#lingering = true;
    } else if (type === 'E') {
      if (this.#state === 'body') {
        this.#status = payload;
        this.#state = 'done';
      }
    }
    // Any other type is ignored: only this module writes tokens.
  }

  #emit(bytes: Buffer): void {
    if (this.#state !== 'body' || bytes.length === 0) return;
    const room = this.#cap - this.#size;
    if (bytes.length > room) this.#truncated = true;
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    // Copy: `bytes` may be a view of a large chunk we do not want to retain.
    this.#chunks.push(Buffer.from(kept));
    this.#size += kept.length;
  }
}

/** Length of the longest suffix of `buf[from..]` that is a proper prefix of `marker`. */
function partialMarkerSuffix(buf: Buffer, from: number, marker: Buffer): number {
  const max = Math.min(marker.length - 1, buf.length - from);
  for (let k = max; k > 0; k--) {
    if (buf.compare(marker, 0, k, buf.length - k, buf.length) === 0) return k;
  }
  return 0;
}
