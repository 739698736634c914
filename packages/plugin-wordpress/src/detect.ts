/** Detection: wp-config.php (in the folder or one above) and wp-includes/version.php. */
import type { DetectContext, Detection } from '@healer/core';
import type { WordpressConfig } from './config.js';

/** Files detection reads besides the signatures (batched by discovery). */
export const DETECT_FILES: string[] = [];

export async function detectWordpress(_ctx: DetectContext<WordpressConfig>): Promise<Detection | null> {
  return null;
}
