import { describe, expect, it } from 'vitest';
import { answerPasswordPrompts } from './auth-handler.js';

type Round = Array<{ prompt: string; echo?: boolean }>;

/** The answers given to the rounds of one keyboard-interactive exchange. */
function exchange(...rounds: Round[]): string[][] {
  const answer = answerPasswordPrompts('s3cret');
  const out: string[][] = [];
  for (const prompts of rounds) answer('', '', '', prompts, (a) => out.push(a));
  return out;
}
const answers = (prompts: Round): string[] => exchange(prompts)[0]!;

describe('answerPasswordPrompts', () => {
  it('answers the one hidden prompt with the password, whatever its wording', () => {
    expect(answers([{ prompt: 'Password: ', echo: false }])).toEqual(['s3cret']);
    expect(answers([{ prompt: 'Mot de passe : ', echo: false }])).toEqual(['s3cret']);
  });

  it('never types the password into a shown prompt or a second hidden one that is not a password', () => {
    expect(answers([{ prompt: 'Username: ', echo: true }, { prompt: 'Password: ', echo: false }])).toEqual(['', 's3cret']);
    expect(answers([{ prompt: 'Password: ', echo: false }, { prompt: 'Verification code: ', echo: false }])).toEqual(['s3cret', '']);
    expect(answers([{ prompt: 'Question: ', echo: true }])).toEqual(['']);
  });

  it('gives the password once: a later round (a one-time code) gets an empty answer', () => {
    expect(exchange([{ prompt: 'Password: ', echo: false }], [{ prompt: 'Verification code: ', echo: false }])).toEqual([['s3cret'], ['']]);
    expect(answers([{ prompt: 'Password: ', echo: false }, { prompt: 'Password again: ', echo: false }])).toEqual(['s3cret', '']);
  });
});
