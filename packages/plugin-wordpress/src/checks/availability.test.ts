import { describe, expect, it } from 'vitest';
import { markerOf } from './availability.js';

const page = (status: number, body: string, finalUrl = 'http://site.test/') => ({ status, body, bytes: Buffer.byteLength(body), finalUrl });

describe('markerOf', () => {
  it("recognizes WordPress's own error pages", () => {
    expect(markerOf(page(500, '<p>There has been a critical error on this website.</p>'))).toBe('critical-error');
    expect(markerOf(page(500, '<h1>Error establishing a database connection</h1>'))).toBe('database-error');
    expect(markerOf(page(503, 'Briefly unavailable for scheduled maintenance. Check back in a minute.'))).toBe('maintenance');
    expect(markerOf(page(200, '<html>install</html>', 'http://site.test/wp-admin/install.php'))).toBe('not-installed');
  });

  it('an empty or blank 200 is a white screen; other pages are not marked', () => {
    expect(markerOf(page(200, ''))).toBe('empty-body');
    expect(markerOf(page(200, '\n  \n'))).toBe('empty-body');
    expect(markerOf(page(200, '<html>Hello</html>'))).toBeNull();
    expect(markerOf(page(204, ''))).toBeNull();
    // A post that merely quotes the maintenance text is not the maintenance page.
    expect(markerOf(page(200, 'Briefly unavailable for scheduled maintenance'))).toBeNull();
  });
});
