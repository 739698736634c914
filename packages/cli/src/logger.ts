/** The `--verbose` logger: every level to stderr, one line each. */
import type { Logger } from '@healer/core';
import type { TextSink } from './io.js';

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createLogger(verbose: boolean, sink: TextSink): Logger {
  if (!verbose) return SILENT;
  const write = (level: string) => (message: string, data?: Record<string, unknown>) => {
    const extra = data === undefined || Object.keys(data).length === 0 ? '' : ` ${safeJson(data)}`;
    sink.write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${message}${extra}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
}
