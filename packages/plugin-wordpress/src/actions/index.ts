import type { HealingAction } from '@healer/core';
import type { WordpressConfig } from '../config.js';

/** Every WordPress action. The white-screen ladder is culprit plugin (low) -> theme (medium) -> safe mode (high). */
export const wordpressActions: HealingAction<WordpressConfig>[] = [];
