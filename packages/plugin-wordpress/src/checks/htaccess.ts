/**
 * `wordpress/htaccess`: the `# BEGIN WordPress` ... `# END WordPress` block of
 * `.htaccess`, compared with what WordPress writes (`WP_Rewrite::mod_rewrite_rules()`
 * through `insert_with_markers()`).
 */
import { childPath } from '@healer/core';
import { wpMeta } from '../detect.js';
import { webServerOf } from '../web-server.js';
import { ACTION, connectErrorOnce, opsFor, type WpCheck, type WpCheckContext } from './shared.js';

export const HTACCESS_BEGIN = '# BEGIN WordPress';
export const HTACCESS_END = '# END WordPress';

const AUTH_RULE = 'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]';

/** The directives of a single site's block for home path `base` (`/` or `/blog/`). */
export function standardHtaccessRules(base = '/'): string[] {
  return [
    '<IfModule mod_rewrite.c>',
    'RewriteEngine On',
    AUTH_RULE,
    `RewriteBase ${base}`,
    'RewriteRule ^index\\.php$ - [L]',
    'RewriteCond %{REQUEST_FILENAME} !-f',
    'RewriteCond %{REQUEST_FILENAME} !-d',
    `RewriteRule . ${base}index.php [L]`,
    '</IfModule>',
  ];
}

/** What the WordPress block of an `.htaccess` looks like. @internal */
export interface HtaccessAnalysis {
  /**
   * `standard`: WordPress's own block; `empty`: markers with no directives
   * (what WordPress writes with plain permalinks); `modified`: directives
   * that differ from WordPress's; `mangled`: markers missing, doubled or out
   * of order; `missing`: no block.
   */
  state: 'standard' | 'empty' | 'modified' | 'mangled' | 'missing';
  /** The RewriteBase found, else `/`. */
  base: string;
  /** 0-based line numbers of the markers (when the block is whole). */
  beginLine: number | null;
  endLine: number | null;
  /** The directives between the markers (comments and blanks left out). */
  directives: string[];
  /** Expected directives that are absent, and directives WordPress would not write. */
  missing: string[];
  unexpected: string[];
  reason: string | null;
}

/** Analyse the WordPress block of `.htaccess` text. `multisite` accepts the network rules. @internal */
export function analyzeHtaccess(text: string, options: { multisite?: boolean } = {}): HtaccessAnalysis {
  const lines = text.split(/\r?\n/);
  const begins = indexesOf(lines, HTACCESS_BEGIN);
  const ends = indexesOf(lines, HTACCESS_END);
  const none: Omit<HtaccessAnalysis, 'state' | 'reason'> = { base: '/', beginLine: null, endLine: null, directives: [], missing: [], unexpected: [] };
  if (begins.length === 0 && ends.length === 0) return { ...none, state: 'missing', reason: 'no "# BEGIN WordPress" block' };
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    const reason =
      begins.length === 0
        ? '"# END WordPress" without "# BEGIN WordPress"'
        : ends.length === 0
          ? '"# BEGIN WordPress" without "# END WordPress"'
          : begins.length > 1 || ends.length > 1
            ? 'more than one WordPress block'
            : '"# END WordPress" comes before "# BEGIN WordPress"';
    return { ...none, state: 'mangled', reason };
  }
  const beginLine = begins[0]!;
  const endLine = ends[0]!;
  const directives = lines
    .slice(beginLine + 1, endLine)
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('#'));
  const base = /^RewriteBase (\S+)$/i.exec(directives.find((d) => /^RewriteBase /i.test(d)) ?? '')?.[1] ?? '/';
  const at = { base, beginLine, endLine, directives };
  if (directives.length === 0) return { ...at, state: 'empty', missing: [], unexpected: [], reason: 'the block has no directives' };

  const expected = options.multisite ? null : standardHtaccessRules(base);
  if (expected === null) {
    // Network rules vary with the install (subdomains, subfolders, ms-files): the core of them must be there.
    const need = ['RewriteEngine On', 'RewriteRule ^index\\.php$ - [L]'];
    const missing = need.filter((n) => !directives.some((d) => d.toLowerCase() === n.toLowerCase()));
    if (!directives.some((d) => /^RewriteRule \. \S*index\.php \[L\]$/i.test(d))) missing.push('RewriteRule . index.php [L]');
    return { ...at, state: missing.length ? 'modified' : 'standard', missing, unexpected: [], reason: missing.length ? 'network rules are missing' : null };
  }
  // Blocks written before WordPress 5.6 lack the Authorization rule: still WordPress's own.
  const found = directives.filter((d) => d !== AUTH_RULE);
  const want = expected.filter((d) => d !== AUTH_RULE);
  const same = found.length === want.length && found.every((d, i) => d.toLowerCase() === want[i]!.toLowerCase());
  const lower = (xs: string[]): Set<string> => new Set(xs.map((x) => x.toLowerCase()));
  const foundSet = lower(found);
  const wantSet = lower(want);
  return {
    ...at,
    state: same ? 'standard' : 'modified',
    missing: want.filter((d) => !foundSet.has(d.toLowerCase())),
    unexpected: found.filter((d) => !wantSet.has(d.toLowerCase())),
    reason: same ? null : 'the directives differ from what WordPress writes',
  };
}

function indexesOf(lines: string[], marker: string): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === marker) out.push(i);
  });
  return out;
}

/** Web servers that read `.htaccess`. */
const HTACCESS_SERVERS = /(?:^|\/)(?:apache2?|httpd|lshttpd|litespeed|openlitespeed)(?:\s|$|:)/;

/** Which server serves the site as far as `.htaccess` goes, and how that was told. @internal */
export interface HtaccessServer {
  /** The server that reads `.htaccess` (`apache`, `litespeed`, a process name), or null when none does. */
  server: string | null;
  /** How it was told: the setting, the configuration file that serves the site, or the running processes. */
  source: string;
  /** The Apache virtual host that serves the site, when found, and whether it holds rewrite rules of its own. */
  vhost?: { file: string; rewrites: boolean | null };
}

/**
 * The server that reads `.htaccess` for this site: the app setting
 * `webServer` when given (`apache`, `litespeed`: yes; anything else: none);
 * else the web server configuration: an Apache virtual host whose
 * DocumentRoot holds the site (yes), else an nginx server block that serves
 * it (no: nginx never reads `.htaccess`); else Apache or LiteSpeed running
 * on the target. @internal
 */
export async function htaccessServerOf(ctx: WpCheckContext): Promise<HtaccessServer> {
  const configured = ctx.settings['webServer'];
  if (typeof configured === 'string' && configured !== '') {
    return { server: /^(?:apache|apache2|httpd|litespeed|openlitespeed)$/i.test(configured) ? configured : null, source: 'the app setting webServer' };
  }
  const { servedBy } = await webServerOf(ctx);
  // Apache first: with nginx in front of Apache, Apache still reads .htaccess.
  const apache = servedBy.find((s) => s.server === 'apache');
  if (apache) {
    const text = await ctx.fs.readText(apache.file, { maxBytes: 1024 * 1024 }).catch(() => null);
    const rewrites = text === null ? null : /^\s*(?:RewriteRule|FallbackResource)\s/im.test(text);
    return { server: 'apache', source: `the Apache virtual host in ${apache.file}`, vhost: { file: apache.file, rewrites } };
  }
  const nginx = servedBy.find((s) => s.server === 'nginx');
  if (nginx) return { server: null, source: `the nginx server block in ${nginx.file}` };
  try {
    const procs = await ctx.facts.processes();
    const hit = procs.find((p) => HTACCESS_SERVERS.test(p.command.split(' ', 1)[0] ?? '') || HTACCESS_SERVERS.test(p.command));
    return hit ? { server: hit.command.split(' ', 1)[0] ?? hit.command, source: 'the running processes' } : { server: null, source: 'the running processes' };
  } catch {
    return { server: null, source: 'nothing (the processes could not be listed)' };
  }
}

/** The `permalink_structure` option ('' for plain permalinks), or null when the database cannot be read. */
async function permalinkStructure(ctx: WpCheckContext): Promise<string | null> {
  try {
    const ops = await opsFor(ctx);
    if ((await connectErrorOnce(ctx, ops)) !== null) return null;
    const v = await ops.getOption('permalink_structure');
    return typeof v === 'string' ? v : '';
  } catch {
    return null;
  }
}

export const htaccessCheck: WpCheck = {
  id: 'wordpress/htaccess',
  title: '.htaccess WordPress block',
  category: 'configuration',
  severity: 'high',
  description:
    'When the site uses pretty permalinks and Apache (or LiteSpeed) serves it, its .htaccess must hold a whole "# BEGIN WordPress" block with the rules WordPress writes, or every page but the home page answers 404. Plain permalinks and other web servers need no block.',
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const path = childPath(ctx.app.root, '.htaccess');
    const text = await ctx.fs.readText(path, { maxBytes: 1024 * 1024 });
    const a = text === null ? null : analyzeHtaccess(text, { multisite: meta.multisite });
    if (a?.state === 'standard') {
      return { status: 'pass', message: `The WordPress block of ${path} holds the rules WordPress writes (RewriteBase ${a.base}).`, details: { path, ...a } };
    }
    // Anything else matters only when pretty permalinks are on and a server that reads .htaccess serves the site.
    const [structure, found] = await Promise.all([permalinkStructure(ctx), htaccessServerOf(ctx)]);
    const server = found.server;
    const why = { permalinkStructure: structure, server, serverSource: found.source };
    if (structure === '') {
      return { status: 'pass', message: `The site uses plain permalinks, which need no rewrite rules${a ? ` (the WordPress block of ${path} is ${a.state})` : ''}.`, details: { path, ...(a ?? {}), ...why } };
    }
    if (server === null) {
      return {
        status: 'pass',
        message: `${found.source === 'the running processes' ? 'No Apache or LiteSpeed runs on this server' : `No server that reads .htaccess serves the site (found from ${found.source})`}, so ${path} is not read${structure ? `; pretty permalinks (${structure}) rely on the web server's own rewrite rules` : ''}.`,
        details: { path, ...(a ?? {}), ...why },
      };
    }
    if (structure === null) {
      return { status: 'skip', message: `Whether the site uses pretty permalinks cannot be told while the database is unreachable; ${path} is checked once it is.`, details: { path, ...why } };
    }
    if (a === null) {
      if (found.vhost?.rewrites === false) {
        return {
          status: 'fail',
          message: `There is no ${path}, but the site uses pretty permalinks (${structure}) and Apache serves it (${found.source}, which holds no rewrite rules): every page but the home page answers 404. Save the permalink settings in wp-admin to write it, or add WordPress's rules to the virtual host.`,
          details: { path, ...why, vhost: found.vhost, expected: meta.multisite ? null : standardHtaccessRules('/') },
        };
      }
      return {
        status: 'warn',
        message: `The site uses pretty permalinks (${structure}) and ${server} runs here, but there is no ${path}: unless the virtual host holds the rewrite rules, every page but the home page answers 404. Save the permalink settings in wp-admin to write it.`,
        details: { path, ...why },
      };
    }
    const details = { path, ...a, ...why, expected: meta.multisite ? null : standardHtaccessRules(a.base) };
    const evidence = [...a.missing.map((l) => `missing: ${l}`), ...a.unexpected.map((l) => `unexpected: ${l}`)].slice(0, 20);
    const fail = (message: string) => ({ status: 'fail' as const, message, details, ...(evidence.length ? { evidence } : {}), fixes: [ACTION.restoreHtaccess] });
    const pretty = `the site uses pretty permalinks (${structure}) and ${server} serves it`;
    switch (a.state) {
      case 'missing':
        return fail(`${path} has no "# BEGIN WordPress" block, but ${pretty}: those pages answer 404. Restore WordPress's block.`);
      case 'mangled':
        return fail(`The WordPress block of ${path} is broken (${a.reason}) and ${pretty}: WordPress cannot update it and the rewrite rules may be cut. Restore WordPress's block.`);
      case 'modified':
        return fail(
          `The WordPress block of ${path} differs from what WordPress writes (${[a.missing.length ? `${a.missing.length} rule(s) missing` : '', a.unexpected.length ? `${a.unexpected.length} unexpected` : ''].filter(Boolean).join(', ')}) and ${pretty}: pages may answer 404 or be redirected elsewhere; restore WordPress's block and move custom rules outside the markers.`,
        );
      case 'empty':
        return fail(`The WordPress block of ${path} is empty but ${pretty}, so every page but the home page answers 404: restore WordPress's block.`);
    }
  },
};
