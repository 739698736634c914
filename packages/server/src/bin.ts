#!/usr/bin/env node
/** The `healer-server` executable: long-running commands stop on SIGTERM or SIGINT, letting running work finish. */
import { runServerCli } from './cli.js';

function stopOnSignals(service: { close(): Promise<void> }): void {
  const stop = () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const code = await runServerCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onListening: (api) => stopOnSignals({ close: () => api.close() }),
  onRunning: stopOnSignals,
});
process.exitCode = code;
