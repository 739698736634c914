/**
 * A one-line progress indicator on stderr for steps that take more than a
 * moment ("backing up...", "applying ...", "verifying ..."), fed by the
 * healer's timeline events. Only on a terminal; a step that ends quickly
 * never shows.
 */
import type { Healer, TimelineEvent } from '@healer/core';
import type { TextSink } from '../io.js';

/** How long a step must last before its line appears. */
const SHOW_AFTER_MS = 300;

/** The progress text a journal event starts; null when it ends the step shown; undefined to leave the line as is. */
export function progressText(event: TimelineEvent): string | null | undefined {
  const action = event.actionId ?? '';
  switch (event.type) {
    case 'execution.started':
      return 'detecting...';
    case 'state':
      return event.state === 'DIAGNOSING' ? 'diagnosing...' : undefined;
    case 'backup.started':
      return `backing up before ${action}...`;
    case 'apply.started':
      return `applying ${action}...`;
    case 'verify.started':
      return `verifying ${action}...`;
    case 'rollback.started':
      return `rolling back ${action}...`;
    case 'execution.finished':
      return null;
    default:
      return undefined;
  }
}

export interface Progress {
  stop(): void;
}

/** Show progress of the healer's runs on `sink` while `enabled`; `stop()` clears the line. */
export function startProgress(healer: Healer, sink: TextSink, enabled: boolean): Progress {
  if (!enabled) return { stop() {} };
  let shown = false;
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (shown) sink.write('\r\u001b[K');
    shown = false;
  };
  const show = (text: string) => {
    clear();
    timer = setTimeout(() => {
      sink.write(`\r\u001b[K${text}`);
      shown = true;
    }, SHOW_AFTER_MS);
    timer.unref();
  };
  const off = healer.on('timeline', (_id, event) => {
    const text = progressText(event);
    if (text === null) clear();
    else if (text !== undefined) show(text);
  });
  return {
    stop() {
      off();
      clear();
    },
  };
}
