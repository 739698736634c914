import { describe, expect, it } from 'vitest';
import { analyzeHtaccess } from '../checks/htaccess.js';
import { replaceWordpressBlock, rewriteBase, wordpressHtaccessBlock } from './htaccess-block.js';

const BLOCK = wordpressHtaccessBlock('/');

describe('replaceWordpressBlock', () => {
  it('replaces a damaged block and keeps every line outside it', () => {
    const text = `# custom rules\nOptions -Indexes\n\n# BEGIN WordPress\nRewriteEngine On\nRewriteRule . /broken.php\n# END WordPress\n\n# after\nHeader set X-Test 1\n`;
    expect(replaceWordpressBlock(text, '/')).toBe(`# custom rules\nOptions -Indexes\n\n${BLOCK}\n\n# after\nHeader set X-Test 1\n`);
  });

  it('appends the block when there is none, as insert_with_markers() does', () => {
    expect(replaceWordpressBlock('Options -Indexes\n', '/')).toBe(`Options -Indexes\n\n${BLOCK}\n`);
    expect(replaceWordpressBlock('Options -Indexes', '/')).toBe(`Options -Indexes\n\n${BLOCK}\n`);
    expect(replaceWordpressBlock('', '/')).toBe(`${BLOCK}\n`);
  });

  it('is a no-op on a file that already has the standard block', () => {
    const text = `Options -Indexes\n\n${BLOCK}\n`;
    expect(replaceWordpressBlock(text, '/')).toBe(text);
  });

  it('ends a block without its END marker at the first </IfModule>', () => {
    const text = `# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine Off\n</IfModule>\nOptions -Indexes\n`;
    expect(replaceWordpressBlock(text, '/')).toBe(`${BLOCK}\nOptions -Indexes\n`);
  });

  it('mends doubled blocks and stray markers into one block where the first was', () => {
    const text = `A\n# BEGIN WordPress\nx\n# END WordPress\nB\n# BEGIN WordPress\ny\n# END WordPress\n# END WordPress\nC\n`;
    expect(replaceWordpressBlock(text, '/')).toBe(`A\n${BLOCK}\nB\nC\n`);
    expect(replaceWordpressBlock('A\n# END WordPress\nB', '/')).toBe(`A\n${BLOCK}\nB`);
    expect(replaceWordpressBlock('A\n# BEGIN WordPress', '/')).toBe(`A\n${BLOCK}`);
  });

  it('keeps CRLF line endings', () => {
    const text = 'A\r\n# BEGIN WordPress\r\nx\r\n# END WordPress\r\nB\r\n';
    expect(replaceWordpressBlock(text, '/')).toBe(`A\r\n${wordpressHtaccessBlock('/', '\r\n')}\r\nB\r\n`);
  });

  it('leaves every damaged form as wordpress/htaccess calls standard', () => {
    const damaged = [
      '',
      'Options -Indexes\n',
      '# BEGIN WordPress\nRewriteEngine Off\n# END WordPress\n',
      'A\n# END WordPress\n',
      '# BEGIN WordPress\n<IfModule mod_rewrite.c>\n</IfModule>\nB\n',
      '# BEGIN WordPress\n# END WordPress\n# BEGIN WordPress\nx\n# END WordPress\n',
    ];
    for (const text of damaged) {
      expect(analyzeHtaccess(text).state, JSON.stringify(text)).not.toBe('standard');
      expect(analyzeHtaccess(replaceWordpressBlock(text, '/')).state, JSON.stringify(text)).toBe('standard');
    }
    expect(analyzeHtaccess(replaceWordpressBlock('x\n', '/blog/'))).toMatchObject({ state: 'standard', base: '/blog/' });
  });

  it('uses the home URL path as RewriteBase', () => {
    expect(rewriteBase('https://example.com')).toBe('/');
    expect(rewriteBase('https://example.com/blog')).toBe('/blog/');
    expect(wordpressHtaccessBlock('/blog/')).toContain('RewriteRule . /blog/index.php [L]');
  });
});
