import { describe, expect, it } from 'vitest';
import type { WpMetadata } from '../types.js';
import { debugSettingsOf } from './debug-settings.js';

const meta = (constants: WpMetadata['constants'], debugLog: string | null = null): WpMetadata =>
  ({ constants, debugLog, contentDir: '/srv/site/wp-content' }) as WpMetadata;

describe('debugSettingsOf', () => {
  it('display follows WP_DEBUG when WP_DEBUG_DISPLAY is not set, as WordPress defaults it', () => {
    expect(debugSettingsOf(meta({ WP_DEBUG: true })).display).toBe(true);
    expect(debugSettingsOf(meta({ WP_DEBUG: true, WP_DEBUG_DISPLAY: true })).display).toBe(true);
    expect(debugSettingsOf(meta({ WP_DEBUG: true, WP_DEBUG_DISPLAY: false })).display).toBe(false);
    expect(debugSettingsOf(meta({ WP_DEBUG: 'true', WP_DEBUG_DISPLAY: 0 })).display).toBe(false);
  });

  it('without WP_DEBUG WordPress leaves display_errors alone', () => {
    expect(debugSettingsOf(meta({ WP_DEBUG: false, WP_DEBUG_DISPLAY: true })).display).toBe(false);
    expect(debugSettingsOf(meta({})).display).toBe(false);
  });

  it('reads SAVEQUERIES and where the debug log goes', () => {
    const s = debugSettingsOf(meta({ WP_DEBUG: 1, WP_DEBUG_DISPLAY: false, SAVEQUERIES: true }, '/srv/site/wp-content/debug.log'));
    expect(s).toMatchObject({ wpDebug: true, display: false, saveQueries: true, debugLog: '/srv/site/wp-content/debug.log' });
  });
});
