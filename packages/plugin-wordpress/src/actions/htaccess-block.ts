/**
 * WordPress's standard `.htaccess` block (what `save_mod_rewrite_rules()`
 * writes for a single site) and putting it back in a file without touching
 * anything outside the `# BEGIN WordPress` / `# END WordPress` markers.
 * @internal
 */

/**
 * The block for a site whose home URL path is `base` (`/` or `/blog/`), as
 * WordPress 5.4+ writes it.
 */
export function wordpressHtaccessBlock(base: string, eol = '\n'): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return [
    '# BEGIN WordPress',
    '# The directives (lines) between "BEGIN WordPress" and "END WordPress" are',
    '# dynamically generated, and should only be modified via WordPress filters.',
    '# Any changes to the directives between these markers will be overwritten.',
    '<IfModule mod_rewrite.c>',
    'RewriteEngine On',
    'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]',
    `RewriteBase ${b}`,
    'RewriteRule ^index\\.php$ - [L]',
    'RewriteCond %{REQUEST_FILENAME} !-f',
    'RewriteCond %{REQUEST_FILENAME} !-d',
    `RewriteRule . ${b}index.php [L]`,
    '</IfModule>',
    '',
    '# END WordPress',
  ].join(eol);
}

/** The URL path WordPress uses as `RewriteBase`: the home URL's path with a trailing slash. */
export function rewriteBase(homeUrl: string): string {
  let path = '/';
  try {
    path = new URL(homeUrl).pathname || '/';
  } catch {
    // Not a URL: the site root.
  }
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * `text` with its WordPress block replaced by the standard one for `base`
 * (the markers included, the file's line endings kept); every line outside
 * the markers is kept byte for byte. Without a block, it is appended, as
 * WordPress's `insert_with_markers()` does. A mangled block is mended too: a
 * `# BEGIN WordPress` without its end marker is taken to end at the first
 * `</IfModule>` after it (or at the marker line alone), a stray
 * `# END WordPress` goes, and doubled blocks become one, where the first was.
 */
export function replaceWordpressBlock(text: string, base: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = wordpressHtaccessBlock(base, eol);
  // Lines with their terminators, so untouched lines come back byte for byte.
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const bare = lines.map((l) => l.replace(/\r?\n$/, '').trim());
  const drop = new Set<number>();
  let first: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    if (drop.has(i)) continue;
    let last: number | null = null;
    if (bare[i] === '# BEGIN WordPress') {
      last = i;
      for (let j = i + 1; j < lines.length && bare[j] !== '# BEGIN WordPress'; j++) {
        if (bare[j] === '# END WordPress') {
          last = j;
          break;
        }
        if (last === i && /^<\/IfModule>$/i.test(bare[j]!)) last = j;
      }
    } else if (bare[i] === '# END WordPress') last = i;
    if (last === null) continue;
    first ??= i;
    for (let k = i; k <= last; k++) drop.add(k);
  }
  if (first === null) {
    if (text.length === 0) return `${block}${eol}`;
    return `${text}${text.endsWith('\n') ? eol : `${eol}${eol}`}${block}${eol}`;
  }
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    if (i === first) out += `${block}${/\n$/.test(lines[lastOf(drop, first)]!) ? eol : ''}`;
    if (!drop.has(i)) out += lines[i];
  }
  return out;
}

/** The last index of the run of consecutive indexes in `set` starting at `from`. */
function lastOf(set: ReadonlySet<number>, from: number): number {
  let i = from;
  while (set.has(i + 1)) i++;
  return i;
}
