import type { DiagnosticCheck } from '@healer/core';
import type { WordpressConfig } from '../config.js';

/** Every WordPress check, in report order. */
export const wordpressChecks: DiagnosticCheck<WordpressConfig>[] = [];
