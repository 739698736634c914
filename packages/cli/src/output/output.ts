/** Where a command's results go: JSON or human text on stdout, notes on stderr. */
import type { CliIo } from '../io.js';
import type { Colors } from './color.js';

export class Output {
  constructor(
    private readonly io: CliIo,
    /** `--json`: one JSON document on stdout, nothing else there. */
    readonly json: boolean,
    readonly colors: Colors,
  ) {}

  /** One line of human output on stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  lines(lines: readonly string[]): void {
    for (const l of lines) this.line(l);
  }

  /** The JSON document of a command (pretty-printed, newline-terminated). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for a person on stderr (never mixed into JSON output). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
