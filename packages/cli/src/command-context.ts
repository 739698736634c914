/**
 * What every command action shares: the io, the output, the exit code it
 * sets, and the session (config + plugins + healer) it opens and closes.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import type { Output } from './output/output.js';
import { openSession, type GlobalOptions, type Session } from './session.js';
import type { ExitCode } from './exit-codes.js';

export interface RunContext {
  io: CliIo;
  out: Output;
  /** Set by the command that ran. */
  exitCode: ExitCode;
}

/** The global flags a hint must repeat so the suggested command reads the same config (made absolute: it works from any folder). */
export function globalFlags(session: Pick<Session, 'globals' | 'loaded'>): string[] {
  const g = session.globals;
  return [
    ...(g.config !== undefined && session.loaded.file ? ['--config', session.loaded.file] : []),
    ...(g.host !== undefined ? ['--host', g.host] : []),
    ...(g.identity !== undefined ? ['--identity', g.identity] : []),
    ...(g.knownHosts !== undefined ? ['--known-hosts', g.knownHosts] : []),
    ...(g.fingerprint !== undefined ? ['--fingerprint', g.fingerprint] : []),
    ...(g.sudo ? ['--sudo'] : []),
  ];
}

/**
 * A commander action that opens a session, runs `fn` with the command's
 * positional arguments and options, closes the session, and records the exit code.
 */
export function sessionAction<O extends object>(ctx: RunContext, fn: (session: Session, args: (string | string[] | undefined)[], options: O) => Promise<ExitCode>) {
  return async (...received: unknown[]): Promise<void> => {
    const cmd = received[received.length - 1] as Command;
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    const session = await openSession(ctx.io, globals, ctx.out);
    try {
      ctx.exitCode = await fn(session, cmd.processedArgs as (string | string[] | undefined)[], cmd.opts() as O);
    } finally {
      await session.close();
    }
  };
}
