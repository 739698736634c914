/**
 * The breaker's words: the one place that turns a {@link BreakerJudgement}
 * into a sentence for a person. The CLI, the journal and the API messages all
 * read their breaker reasons from here.
 */
import type { BreakerBlock, BreakerJudgement, BreakerSubject } from './breaker-machine.js';

/**
 * One sentence (or a few) saying what the record allows and why, e.g.
 * "App x: 3 heal attempts in the last 24 h (limit 3); next attempt allowed at ...".
 */
export function describeBreaker(subject: BreakerSubject, judgement: BreakerJudgement): string {
  const label = subject.actionId === undefined ? `App ${subject.appId}` : `Action ${subject.actionId} on ${subject.appId}`;
  if (judgement.blocks.length > 0) return judgement.blocks.map((b) => `${label}: ${describeBlock(b)}`).join(' ');
  const used = `${judgement.attempts} of ${judgement.maxAttempts} heal attempts used in the last ${formatDuration(judgement.windowMs)}.`;
  return judgement.state === 'half-open'
    ? `${label}: cooldown over, one trial heal allowed (circuit half-open); ${used}`
    : `${label}: circuit closed; ${used}`;
}

function describeBlock(block: BreakerBlock): string {
  switch (block.kind) {
    case 'attempt-limit':
      return `${plural(block.attempts, 'heal attempt')} in the last ${formatDuration(block.windowMs)} (limit ${block.maxAttempts}); next attempt allowed at ${block.until}.`;
    case 'cooling-down':
      return `circuit open after ${plural(block.consecutiveFailures, 'failure')} in a row; the ${formatDuration(block.cooldownMs)} cooldown ends at ${block.until}.`;
    case 'trial-running':
      return `a trial heal after the cooldown is under way; next attempt allowed at ${block.until} unless it reports back first.`;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `86_400_000` -> `24 h`, `5_400_000` -> `1 h 30 min`. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms));
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.length === 0 ? '0 s' : parts.join(' ');
}
