/**
 * Find Node.js errors and their V8 stack traces in log text: what Node
 * prints for an uncaught exception, `console.error(err)`, and the same
 * through journald, PM2 or `docker logs --timestamps` line prefixes.
 */
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import { isPathWithin } from '../exec/paths.js';

/** One V8 stack frame (`at fn (/app/a.js:1:2)`). */
export interface NodeStackFrame {
  /** The function as printed (`Object.<anonymous>`, `new Foo`, `Promise.all`); null for a bare location. */
  fn: string | null;
  /** A file path (`file://` URLs converted), `node:internal/...`, `[eval]`; null when V8 gave no file. */
  file: string | null;
  line: number | null;
  column: number | null;
  /** True for frames inside Node or V8 rather than a source file: `native`, `(index 0)`, `node:` modules. */
  native?: boolean;
  /** True for `at async ...` frames. */
  async?: boolean;
}

/** A Node.js error found in a log. */
export interface NodeErrorReport {
  /** `Error`, `TypeError`, `UnhandledPromiseRejection`, ... */
  name: string;
  /** The Node error code from `TypeError [ERR_X]: ...` or a `{ code: 'X' }` block, when printed. */
  code?: string;
  /** The message, with continuation lines (`Require stack:` ...) joined by `\n`. */
  message: string;
  frames: NodeStackFrame[];
  /** The `file:line` and source line of the caret block Node prints above an uncaught exception. */
  thrownAt?: { file: string; line: number; source: string };
}

const LINE_PREFIXES = [
  // journald: "Nov 21 10:12:01 web1 node[123]: "
  /^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [^\s:[]+(?:\[\d+\])?: /,
  // PM2 --time, docker --timestamps: "2026-11-21T10:12:01: ", "2026-11-21T10:12:01.123456789Z "
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?:? /,
  // PM2 merged logs: "0|api  | "
  /^\d+\|[^|]*\| ?/,
];

const NAME = String.raw`[A-Za-z_$][\w$]*(?:Error|Exception)|Error|UnhandledPromiseRejection`;
const HEADER_RE = new RegExp(
  String.raw`^(?:Uncaught(?: [Ee]xception)?:? |uncaughtException:? |Unhandled ?[Rr]ejection:? )?(${NAME})(?: \[([A-Z][A-Z0-9_]*)\])?(?:: (.*))?$`,
);
// util.inspect of an error without a stack, and Node's own "[UnhandledPromiseRejection: ...] {".
const BRACKET_HEADER_RE = new RegExp(String.raw`^\[(${NAME})(?: \[([A-Z][A-Z0-9_]*)\])?: ([\s\S]*)\](?: \{)?$`);
const FRAME_RE = /^(\s*)at (.+?)(?: \{)?$/;
const CARET_RE = /^\s*\^+\s*$/;
const LOCATION_LINE_RE = /^(.+):(\d+)$/;
const CODE_PROP_RE = /^\s+code: '([^']+)',?$/;

/**
 * Every Node.js error in `text`, in order.
 *
 * @example
 * parseNodeStack('TypeError: x is not a function\n    at run (/app/a.js:3:5)')
 * // [{ name: 'TypeError', message: 'x is not a function', frames: [{ fn: 'run', file: '/app/a.js', line: 3, column: 5 }] }]
 */
export function parseNodeStack(text: string): NodeErrorReport[] {
  const lines = text.split(/\r?\n/).map(stripLinePrefix);
  const reports: NodeErrorReport[] = [];
  let thrownAt: NodeErrorReport['thrownAt'];
  let previous: string | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;

    // The caret block: "/app/a.js:3", the source line, "    ^".
    const at = LOCATION_LINE_RE.exec(line);
    if (at && i + 2 < lines.length && CARET_RE.test(lines[i + 2]!)) {
      thrownAt = { file: toPath(at[1]!), line: Number(at[2]), source: lines[i + 1]!.trim() };
      i += 2;
      previous = undefined;
      continue;
    }

    const header = readHeader(line);
    // A bracketed error ("[Error: x] {") is one printed without a stack.
    const firstFrame = header && !header.bracketed ? findFramesAfter(lines, i + 1) : -1;
    const frameHere = parseFrameLine(line);
    if (!(header && (header.message !== '' || firstFrame >= 0)) && !frameHere) {
      if (line.trim() !== '') previous = line;
      continue;
    }

    let report: NodeErrorReport;
    let j: number;
    if (header) {
      const messageLines = [header.message];
      if (firstFrame >= 0) messageLines.push(...lines.slice(i + 1, firstFrame));
      report = { name: header.name, message: messageLines.join('\n').trimEnd(), frames: [] };
      if (header.code) report.code = header.code;
      j = firstFrame >= 0 ? firstFrame : i + 1;
    } else {
      // Frames under a header we do not recognise: the line above is the message.
      report = { name: 'Error', message: previous ?? '', frames: [] };
      const named = previous === undefined ? null : /^([A-Za-z_$][\w$.]*)(?: \[([A-Z][A-Z0-9_]*)\])?: (.*)$/.exec(previous);
      if (named) {
        report.name = named[1]!;
        report.message = named[3]!;
        if (named[2]) report.code = named[2];
      }
      j = i;
    }
    for (; j < lines.length; j++) {
      const frame = parseFrameLine(lines[j]!);
      if (!frame) break;
      report.frames.push(frame);
    }
    // Own properties printed after the stack: "    at x (/a.js:1:1) {", "  code: 'X'", "}".
    const braced = report.frames.length > 0 ? /\{\s*$/.test(lines[j - 1]!) : header?.openBrace === true;
    if (braced) {
      for (; j < lines.length && !/^\}\s*$/.test(lines[j]!); j++) {
        const code = CODE_PROP_RE.exec(lines[j]!);
        if (code && report.code === undefined) report.code = code[1]!;
      }
    } else {
      j--;
    }
    if (thrownAt) report.thrownAt = thrownAt;
    thrownAt = undefined;
    previous = undefined;
    reports.push(report);
    i = j;
  }
  return reports;
}

/**
 * The first frame inside `appRoot` and outside `node_modules`: where the
 * application's own code failed. Undefined when every frame is elsewhere.
 */
export function findAppFrame(frames: readonly NodeStackFrame[], appRoot: string): NodeStackFrame | undefined {
  let root = posix.normalize(appRoot);
  if (root.length > 1 && root.endsWith('/')) root = root.slice(0, -1);
  return frames.find((f) => {
    if (f.file === null || f.native || !f.file.startsWith('/')) return false;
    if (!isPathWithin(root, f.file)) return false;
    return !f.file.slice(root.length).includes('/node_modules/');
  });
}

/** Where an error happened in the application's code: a file, a line, and the source line when Node printed it. */
export interface NodeErrorLocation {
  file: string;
  line: number;
  column?: number;
  /** The source line of Node's code frame (the caret block), when printed. */
  source?: string;
}

/**
 * Where `report` happened, for a person to open. A SyntaxError is raised
 * while Node compiles a file, so its stack names the code that loaded the
 * file (`require` in server.js); the `file:line` header and the code frame
 * Node prints above the error name the broken file itself, and win. Any other
 * error: the first frame in the app's own code, else that header.
 */
export function errorLocation(report: NodeErrorReport, appRoot: string): NodeErrorLocation | undefined {
  const { thrownAt } = report;
  if (report.name === 'SyntaxError' && thrownAt) return { file: thrownAt.file, line: thrownAt.line, source: thrownAt.source };
  const frame = findAppFrame(report.frames, appRoot);
  if (frame?.file && frame.line !== null) {
    const where: NodeErrorLocation = { file: frame.file, line: frame.line };
    if (frame.column !== null) where.column = frame.column;
    if (thrownAt && thrownAt.file === frame.file && thrownAt.line === frame.line) where.source = thrownAt.source;
    return where;
  }
  return thrownAt ? { file: thrownAt.file, line: thrownAt.line, source: thrownAt.source } : undefined;
}

function stripLinePrefix(line: string): string {
  for (const re of LINE_PREFIXES) {
    const m = re.exec(line);
    if (m) return line.slice(m[0].length);
  }
  return line;
}

function readHeader(line: string): { name: string; code?: string; message: string; bracketed?: boolean; openBrace?: boolean } | null {
  const m = HEADER_RE.exec(line);
  if (m) return { name: m[1]!, ...(m[2] ? { code: m[2] } : {}), message: m[3] ?? '' };
  const b = BRACKET_HEADER_RE.exec(line);
  if (b) return { name: b[1]!, ...(b[2] ? { code: b[2] } : {}), message: b[3]!, bracketed: true, openBrace: line.endsWith('{') };
  return null;
}

/** Index of the first frame line after a header, allowing a few message lines in between; -1 if none. */
function findFramesAfter(lines: string[], start: number): number {
  for (let k = start; k < lines.length && k < start + 30; k++) {
    const l = lines[k]!;
    if (parseFrameLine(l)) return k;
    if (l.trim() === '' || readHeader(l)) return -1;
  }
  return -1;
}

function parseFrameLine(line: string): NodeStackFrame | null {
  const m = FRAME_RE.exec(line);
  if (!m) return null;
  const frame = parseFrame(m[2]!);
  // Without indentation, "at ..." must at least look like a location ("at least one" is prose).
  if (m[1] === '' && frame.line === null && !frame.native) return null;
  return frame;
}

function parseFrame(body: string): NodeStackFrame {
  let rest = body;
  let isAsync = false;
  if (rest.startsWith('async ')) {
    isAsync = true;
    rest = rest.slice(6);
  }
  let fn: string | null = null;
  let location = rest;
  if (rest.endsWith(')')) {
    const open = matchingParen(rest);
    if (open > 0) {
      fn = rest.slice(0, open).trimEnd();
      location = rest.slice(open + 1, -1);
    }
  }
  const frame: NodeStackFrame = { fn, ...parseLocation(location) };
  if (isAsync) frame.async = true;
  return frame;
}

function parseLocation(location: string): Omit<NodeStackFrame, 'fn'> {
  if (location === 'native' || /^index \d+$/.test(location)) return { file: null, line: null, column: null, native: true };
  // "eval at fn (/a.js:1:2), <anonymous>:1:1": the evaluated code's own position comes last.
  const evalPart = location.startsWith('eval at ') ? location.slice(location.lastIndexOf(', ') + 2) : location;
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(evalPart);
  const file = toPath(m ? m[1]! : evalPart);
  const frame: Omit<NodeStackFrame, 'fn'> = {
    file: file === '<anonymous>' && !m ? null : file,
    line: m ? Number(m[2]) : null,
    column: m?.[3] === undefined ? null : Number(m[3]),
  };
  if (file.startsWith('node:') || file.startsWith('internal/')) frame.native = true;
  return frame;
}

/** Index of the " (" whose paren closes at the end of `s`, or -1. */
function matchingParen(s: string): number {
  let depth = 0;
  for (let k = s.length - 1; k >= 0; k--) {
    const c = s[k];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return k > 0 && s[k - 1] === ' ' ? k : -1;
    }
  }
  return -1;
}

function toPath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return fileURLToPath(file);
  } catch {
    return file;
  }
}
