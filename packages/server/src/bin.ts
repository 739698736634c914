#!/usr/bin/env node
/** The `healer-server` executable. */
import { runServerCli } from './cli.js';

const code = await runServerCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onListening(api) {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      api.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
});
process.exitCode = code;
