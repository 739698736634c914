import { describe, expect, it } from 'vitest';
import { isHealerError } from '../errors.js';
import { outputExcerpt, stepFailedError } from './excerpt.js';

const frames = (n: number): string => Array.from({ length: n }, (_, i) => `  ${i}: <unknown>`).join('\n');

describe('outputExcerpt', () => {
  it('keeps short output whole, without colour codes', () => {
    expect(outputExcerpt('\u001b[31mx\u001b[0m Expected \',\', got \'<\'\n')).toBe("x Expected ',', got '<'");
  });

  it('keeps the first error lines and the last lines of a long build log, with a marker between', () => {
    const log = ['   Creating an optimized production build ...', 'Failed to compile.', '', './pages/index.js', "Error:   x Expected ',', got '<'", frames(80), 'Import trace for requested module:', './pages/welcome.js', '', '> Build failed because of webpack errors'].join('\n');
    const excerpt = outputExcerpt(log, { headChars: 200, tailChars: 120 });
    const lines = excerpt.split('\n');
    expect(lines[0]).toBe('[... 1 line left out ...]');
    expect(lines[1]).toBe('Failed to compile.');
    expect(excerpt).toContain('./pages/index.js');
    expect(excerpt).toMatch(/\n\[\.\.\. \d+ lines left out \.\.\.\]\n/);
    expect(lines.at(-1)).toBe('> Build failed because of webpack errors');
    expect(excerpt).toContain('./pages/welcome.js');
    expect(excerpt.length).toBeLessThan(400);
    // The tail alone would miss the file.
    expect(log.slice(-500)).not.toContain('./pages/index.js');
  });

  it('starts at the top when no line reads as an error, and cuts one huge line', () => {
    const huge = 'a'.repeat(5000);
    const excerpt = outputExcerpt(`${huge}\nlast`, { headChars: 100, tailChars: 50 });
    expect(excerpt.startsWith('a'.repeat(100) + '...')).toBe(true);
    expect(excerpt.endsWith('\nlast')).toBe(true);
  });
});

describe('stepFailedError', () => {
  it('names the step, the exit code and the excerpt; stdout when stderr is empty', () => {
    const e = stepFailedError('next build in the build folder', { exitCode: 1, signal: null, stdout: 'Error: boom in pages/index.js', stderr: '', timedOut: false });
    expect(isHealerError(e, 'COMMAND_FAILED')).toBe(true);
    expect(e.message).toBe('Step failed with exit code 1: next build in the build folder: Error: boom in pages/index.js');
  });

  it('says timed out, or killed by a signal', () => {
    expect(isHealerError(stepFailedError('x', { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', timedOut: true }), 'COMMAND_TIMEOUT')).toBe(true);
    expect(stepFailedError('x', { exitCode: null, signal: 'SIGTERM', stdout: '', stderr: 'bye', timedOut: false }).message).toBe('Step was killed by SIGTERM: x: bye');
  });
});
