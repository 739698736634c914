/** What the CLI reads and writes: injected, so tests and embedders can run it in-process. */

/** Anything with `write(string)`: `process.stdout`, a stream, a test buffer. */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** The environment: `HEALER_HOME`, `NO_COLOR`. */
  env: Record<string, string | undefined>;
  /** The working folder: relative paths and the default config file are resolved from it. */
  cwd: string;
  /** Whether stdout is a terminal: colour only then. */
  isTTY: boolean;
  /** Whether stderr is a terminal: the progress line only then. Default: `isTTY`. */
  stderrIsTTY?: boolean;
}
