/** Backup parts: saved options (active_plugins, template, stylesheet) and a database dump. */
import type { BackupStrategy } from '@healer/core';
import type { WordpressConfig } from './config.js';

export const wordpressBackup: BackupStrategy<WordpressConfig> = { parts: [] };
