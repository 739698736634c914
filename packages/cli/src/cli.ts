/**
 * `runCli(argv, io)`: the whole `healer` command, runnable in-process.
 * Every error is caught here and printed as one message (or, with `--json`,
 * as `{ "error": { "code", "message" } }` on stdout); `--verbose` adds the stack.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, describeError } from './cli-error.js';
import type { RunContext } from './command-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { createOutput } from './session.js';
import { registerDetect } from './commands/detect.js';
import { registerDiscover } from './commands/discover.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerPlan } from './commands/plan.js';
import { registerHeal } from './commands/heal.js';
import { registerRollback } from './commands/rollback.js';
import { registerRecover } from './commands/recover.js';
import { registerHistory } from './commands/history.js';
import { registerBackups } from './commands/backups.js';
import { registerBreaker } from './commands/breaker.js';
import { registerPlugins } from './commands/plugins.js';
import { registerBaseline } from './commands/baseline.js';

function cliVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Global flags as given, read before parsing so even a parse error is printed in the right form. */
function earlyFlags(argv: readonly string[]): { json: boolean; color: boolean; verbose: boolean } {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  return { json: flags.includes('--json'), color: !flags.includes('--no-color'), verbose: flags.includes('--verbose') };
}

export function buildProgram(ctx: RunContext): Command {
  const program = new Command('healer')
    .description('Detect, diagnose and heal the applications on this machine: backup -> apply -> verify -> rollback, under a circuit breaker.')
    .version(cliVersion(), '-V, --version')
    .option('--json', 'print one JSON document on stdout (errors as {"error":{"code","message"}})')
    .option('--config <file>', 'configuration file (default: $HEALER_CONFIG, else $XDG_CONFIG_HOME/healer/config.json if present; never the working folder)')
    .option('--verbose', 'log every step to stderr, and print stack traces of errors')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR works too)')
    .option('--host <target>', 'work on a remote host over SSH: ssh://user@host:port, or a host name from the configuration')
    .option('--identity <file>', 'with --host: the private key file (default: ssh-agent)')
    .option('--known-hosts <file>', 'with --host: the known_hosts file (default ~/.ssh/known_hosts)')
    .option('--fingerprint <sha256>', 'with --host: trust exactly this host key (SHA256:... as ssh-keygen -lf prints it)')
    .option('--accept-new-host-key', 'with --host: record an unknown host key in known_hosts (a changed key is always refused)')
    .option('--sudo', 'with --host: run privileged commands through sudo -n')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
      // Errors are printed once, by runCli, in text or JSON.
      outputError: () => undefined,
    });
  registerDetect(program, ctx);
  registerDiscover(program, ctx);
  registerDiagnose(program, ctx);
  registerPlan(program, ctx);
  registerHeal(program, ctx);
  registerRollback(program, ctx);
  registerRecover(program, ctx);
  registerHistory(program, ctx);
  registerBackups(program, ctx);
  registerBreaker(program, ctx);
  registerBaseline(program, ctx);
  registerPlugins(program, ctx);
  program.addHelpText('after', '\nExit codes: 0 ok/pass/fixed, 1 warn, 2 fail/rolled back/escalated, 3 error, 4 blocked, 5 awaiting approval, 64 usage.\nState lives in $HEALER_HOME (default ~/.healer).');
  return program;
}

/**
 * Run `healer` with `argv` (the arguments after the program name, like
 * `process.argv.slice(2)`) and return the exit code. Never throws.
 *
 * @example
 * const code = await runCli(['diagnose', '/srv/app', '--json'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), isTTY: false });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const early = earlyFlags(argv);
  const out = createOutput(io, { json: early.json, color: early.color });
  const ctx: RunContext = { io, out, exitCode: EXIT.OK };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err, ctx);
    return reportError(err, ctx, early.verbose);
  }
}

function commanderExit(err: CommanderError, ctx: RunContext): ExitCode {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
  // `healer` or `healer backups` alone: help was printed to stderr.
  if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return EXIT.USAGE;
  const message = err.message.replace(/^error: /, '');
  return reportError(new CliError('USAGE', `${message.charAt(0).toUpperCase()}${message.slice(1)}. See \`healer --help\`.`), ctx, false);
}

function reportError(err: unknown, ctx: RunContext, verbose: boolean): ExitCode {
  const { code, message, exitCode, issues } = describeError(err);
  if (ctx.out.json) ctx.out.printJson({ error: { code, message, ...(issues ? { issues } : {}) } });
  else ctx.io.stderr.write(`healer: ${message}\n`);
  if (verbose && err instanceof Error && err.stack) ctx.io.stderr.write(`${err.stack}\n`);
  return exitCode;
}
