/**
 * The order in which the SSH transport offers its credentials, as an ssh2
 * `authHandler`: the private key, then the agent, then the password. The
 * password is sent once per connection: with the `password` method when the
 * server lists it, otherwise with `keyboard-interactive` (answering the
 * server's password prompt), so a wrong password costs one failed attempt on
 * the server, not two.
 * @internal
 */
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, NextAuthHandler, Prompt } from 'ssh2';

/** The credential kinds, in the order they are tried. */
export type AuthStep = 'publickey' | 'agent' | 'password';

/** What the handler saw, for the error message of a refused login. */
export interface AuthTrace {
  /** Methods the server said it accepts (empty until it said so). */
  offered: string[];
  /** Methods sent, in order (`password` or `keyboard-interactive` for the password). */
  sent: string[];
  /** The password was kept back: the server listed neither `password` nor `keyboard-interactive`. */
  passwordWithheld: boolean;
}

/**
 * An ssh2 auth handler trying `steps` in order. The password never leaves
 * the closure except to the server, after its host key was verified.
 */
export function createAuthHandler(user: string, steps: AuthStep[], password: string | undefined, trace: AuthTrace): AuthHandlerMiddleware {
  const queue = [...steps];
  let asked = false;
  return (authsLeft: AuthenticationType[] | null, _partial: boolean, next: NextAuthHandler): void => {
    if (authsLeft !== null && authsLeft !== undefined) trace.offered = [...authsLeft];
    for (;;) {
      const step = queue[0];
      if (step === undefined) {
        (next as (auth: AnyAuthMethod | AuthenticationType | false) => void)(false);
        return;
      }
      if (step !== 'password') {
        queue.shift();
        trace.sent.push(step);
        next(step);
        return;
      }
      if (password === undefined) {
        queue.shift();
        continue;
      }
      // Before anything else was tried the server's methods are unknown: the `none` probe lists them
      // (OpenSSH does not count it as a failed attempt).
      if ((authsLeft === null || authsLeft === undefined) && !asked) {
        asked = true;
        next('none');
        return;
      }
      queue.shift();
      const offered = trace.offered;
      if (!offered.includes('password') && !offered.includes('keyboard-interactive')) {
        trace.passwordWithheld = true;
        continue;
      }
      if (offered.includes('password')) {
        trace.sent.push('password');
        next({ type: 'password', username: user, password });
      } else {
        trace.sent.push('keyboard-interactive');
        next({ type: 'keyboard-interactive', username: user, prompt: answerPasswordPrompts(password) });
      }
      return;
    }
  };
}

/**
 * Answers the rounds of one keyboard-interactive exchange: the password goes,
 * once, to a hidden prompt that is the only hidden one of its round or that
 * names a password; every other prompt (a one-time code, a later round, a
 * question shown in clear) gets an empty answer, so the password is never
 * typed into something else.
 */
export function answerPasswordPrompts(password: string) {
  let given = false;
  return (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void): void => {
    const hidden = prompts.filter((p) => p.echo !== true);
    finish(
      prompts.map((p) => {
        if (given || p.echo === true || (hidden.length > 1 && !/password/i.test(p.prompt))) return '';
        given = true;
        return password;
      }),
    );
  };
}
