/** ANSI colours, or plain text when colour is off. */

export interface Colors {
  enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);

export function createColors(enabled: boolean): Colors {
  return {
    enabled,
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
    dim: wrap(enabled, 2, 22),
    bold: wrap(enabled, 1, 22),
  };
}

/** Colour only on a terminal, and never with `--no-color` or a non-empty `NO_COLOR`. */
export function colorEnabled(options: { isTTY: boolean; noColorFlag: boolean; env: Record<string, string | undefined> }): boolean {
  const noColor = options.env['NO_COLOR'];
  return options.isTTY && !options.noColorFlag && !(noColor !== undefined && noColor !== '');
}

/** A status word in its colour: pass/FIXED green, warn yellow, fail/error red. */
export function paintStatus(colors: Colors, status: string): string {
  const s = status.toLowerCase();
  if (['pass', 'fixed', 'nothing_to_do', 'ok', 'closed', 'verified'].includes(s)) return colors.green(status);
  if (['warn', 'awaiting_approval', 'skip', 'half-open', 'escalated', 'blocked'].includes(s)) return colors.yellow(status);
  if (['fail', 'error', 'failed', 'rolled_back', 'open'].includes(s)) return colors.red(status);
  return status;
}
