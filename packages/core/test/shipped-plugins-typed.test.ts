/**
 * The shipped plugins declare their metadata (`definePlugin<Schema, Metadata>`)
 * and parse check details: none of their sources casts metadata or details
 * to get at them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const SHIPPED = ['plugin-wordpress', 'plugin-nodejs', 'plugin-nextjs'];

/** Casts that hide an untyped metadata or details value behind a type. */
const CASTS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'as unknown as', pattern: /\bas\s+unknown\s+as\b/ },
  { name: 'metadata as', pattern: /\bmetadata\)?\s+as\s/ },
  { name: 'details as', pattern: /\bdetails(\?\.\[[^\]]*\]|\[[^\]]*\])?\)?\s+as\s/ },
  { name: 'as Culprit', pattern: /\bas\s+Culprit\b/ },
];

/** Every line of `text` that holds one of the casts, as `file:line: text`. */
function findCasts(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const cast of CASTS) if (cast.pattern.test(line)) found.push(`${file}:${i + 1} (${cast.name}): ${line.trim()}`);
  });
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.test-d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('shipped plugins', () => {
  it('the cast finder sees each cast it looks for (so a clean result means something)', () => {
    const samples = [
      'return app.metadata as unknown as WpMetadata;',
      'const m = ctx.app.metadata as NodeAppMeta;',
      "const c = (details?.['culprit']) as Culprit;",
      'const d = result.details as { tables: string[] };',
      'return c as Culprit;',
    ];
    for (const line of samples) expect(findCasts('sample.ts', line), line).not.toEqual([]);
    expect(findCasts('sample.ts', 'const meta = wpMeta(ctx.app); // typed by definePlugin')).toEqual([]);
  });

  it.each(SHIPPED)('%s casts no metadata or check details', async (name) => {
    const files = await sourceFiles(join(PACKAGES, name, 'src'));
    expect(files.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const file of files) found.push(...findCasts(file.slice(PACKAGES.length), await readFile(file, 'utf8')));
    expect(found).toEqual([]);
  });
});
