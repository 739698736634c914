import { describe, expect, it } from 'vitest';
import { answerPasswordPrompts } from './auth-handler.js';

/** The answers given to one keyboard-interactive round. */
function answers(prompts: Array<{ prompt: string; echo?: boolean }>): string[] {
  let out: string[] = [];
  answerPasswordPrompts('s3cret')('', '', '', prompts, (a) => {
    out = a;
  });
  return out;
}

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
});
