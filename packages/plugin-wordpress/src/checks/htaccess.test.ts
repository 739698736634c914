import { describe, expect, it } from 'vitest';
import { analyzeHtaccess, standardHtaccessRules } from './htaccess.js';

const block = (rules: string[], base = '/'): string =>
  ['# BEGIN WordPress', '# The directives (lines) between "BEGIN WordPress" and "END WordPress" are', ...rules, '', '# END WordPress', ''].join('\n').replaceAll('{base}', base);

describe('analyzeHtaccess', () => {
  it('recognizes the block WordPress writes, for the site root and for a subfolder', () => {
    expect(analyzeHtaccess(block(standardHtaccessRules('/'))).state).toBe('standard');
    const sub = analyzeHtaccess(`Options -Indexes\n\n${block(standardHtaccessRules('/blog/'))}`);
    expect(sub).toMatchObject({ state: 'standard', base: '/blog/', beginLine: 2 });
  });

  it('accepts blocks written before the Authorization rule existed, and CRLF line ends', () => {
    const old = standardHtaccessRules('/').filter((l) => !l.includes('HTTP_AUTHORIZATION'));
    expect(analyzeHtaccess(block(old)).state).toBe('standard');
    expect(analyzeHtaccess(block(standardHtaccessRules('/')).replaceAll('\n', '\r\n')).state).toBe('standard');
  });

  it('reports missing and unexpected directives', () => {
    const rules = standardHtaccessRules('/').filter((l) => l !== 'RewriteCond %{REQUEST_FILENAME} !-f');
    rules.splice(3, 0, 'RewriteRule ^(.*)$ https://evil.example/$1 [R=302,L]');
    const a = analyzeHtaccess(block(rules));
    expect(a).toMatchObject({ state: 'modified', missing: ['RewriteCond %{REQUEST_FILENAME} !-f'], unexpected: ['RewriteRule ^(.*)$ https://evil.example/$1 [R=302,L]'] });
  });

  it('a RewriteBase that disagrees with the final rule is a modification', () => {
    const rules = standardHtaccessRules('/').map((l) => (l.startsWith('RewriteBase') ? 'RewriteBase /blog/' : l));
    expect(analyzeHtaccess(block(rules)).state).toBe('modified');
  });

  it('tells missing, empty and mangled blocks apart', () => {
    expect(analyzeHtaccess('Options -Indexes\n').state).toBe('missing');
    expect(analyzeHtaccess(block([])).state).toBe('empty');
    expect(analyzeHtaccess('# BEGIN WordPress\nRewriteEngine On\n')).toMatchObject({ state: 'mangled', reason: '"# BEGIN WordPress" without "# END WordPress"' });
    expect(analyzeHtaccess('# END WordPress\n# BEGIN WordPress\n').state).toBe('mangled');
    expect(analyzeHtaccess(block(standardHtaccessRules()) + block(standardHtaccessRules())).reason).toBe('more than one WordPress block');
  });

  it('accepts network rules on multisite', () => {
    const network = [
      'RewriteEngine On',
      'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]',
      'RewriteBase /',
      'RewriteRule ^index\\.php$ - [L]',
      'RewriteRule ^wp-admin$ wp-admin/ [R=301,L]',
      'RewriteCond %{REQUEST_FILENAME} -f [OR]',
      'RewriteCond %{REQUEST_FILENAME} -d',
      'RewriteRule ^ - [L]',
      'RewriteRule ^(wp-(content|admin|includes).*) $1 [L]',
      'RewriteRule ^(.*\\.php)$ $1 [L]',
      'RewriteRule . index.php [L]',
    ];
    expect(analyzeHtaccess(block(network), { multisite: true }).state).toBe('standard');
    expect(analyzeHtaccess(block(network)).state).toBe('modified');
    expect(analyzeHtaccess(block(network.slice(0, -1)), { multisite: true }).state).toBe('modified');
  });
});
