/**
 * A plugin written against the 1.0 README still builds against this release,
 * or fails exactly where the changesets say. The fixture (compat/plugin-1.0,
 * the 1.0 custom-plugin example, unchanged) is type-checked as a third party
 * would: `@healer/core` resolved through the package's exports to the built
 * `dist` declarations. Its own tests run against the current engine beside it.
 *
 * One program holds the fixture and a migrated copy (only the documented fix
 * applied, served from memory) so the declarations are checked once.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./compat/plugin-1.0', import.meta.url));
/** Not on disk: the fixture with the migration applied, beside it so `@healer/core` resolves the same way. */
const MIGRATED = `${FIXTURE}-migrated`;
const CORE = fileURLToPath(new URL('..', import.meta.url));

/**
 * The one migration `.changeset/deterministic-plans.md` asks of a 1.0 plugin: a helper typed
 * `ActionContext` and called from `plan()`/`preconditions()` takes a `PlanContext`.
 * Each replacement must match exactly once, so an edited fixture fails here rather than passing by luck.
 */
const MIGRATION: ReadonlyArray<{ file: string; from: string; to: string }> = [
  { file: 'src/index.ts', from: 'type ActionContext, type Step', to: 'type PlanContext, type Step' },
  { file: 'src/index.ts', from: 'pickRelease(ctx: ActionContext<StaticSiteConfig>)', to: 'pickRelease(ctx: PlanContext<StaticSiteConfig>)' },
];

function migrate(rel: string, text: string): string {
  for (const m of MIGRATION.filter((x) => x.file === rel)) {
    const count = text.split(m.from).length - 1;
    if (count !== 1) throw new Error(`migration of ${rel}: expected "${m.from}" once, found it ${count} times`);
    text = text.replace(m.from, m.to);
  }
  return text;
}

/** A diagnostic as the test compares it: code, file, the function called and the plugin member it is called from. */
interface Found {
  copy: 'fixture' | 'migrated';
  file: string;
  code: number;
  call: string | null;
  member: string | null;
  mentions: string[];
}

function describeDiagnostic(d: ts.Diagnostic): Found {
  const name = d.file?.fileName ?? '';
  const copy = name.startsWith(`${MIGRATED}/`) ? 'migrated' : 'fixture';
  const file = d.file ? relative(copy === 'migrated' ? MIGRATED : FIXTURE, name) : '(global)';
  let call: string | null = null;
  let member: string | null = null;
  if (d.file && d.start !== undefined) {
    let node: ts.Node | undefined = findNode(d.file, d.start);
    for (; node; node = node.parent) {
      if (call === null && ts.isCallExpression(node)) call = node.expression.getText(d.file);
      if ((ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node)) && node.name) {
        member = node.name.getText(d.file);
        break;
      }
    }
  }
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const mentions = ['ActionContext', 'PlanContext'].filter((id) => new RegExp(`\\b${id}\\b`).test(message));
  return { copy, file, code: d.code, call, member, mentions };
}

/** The innermost node that starts at `pos` (where the checker reports the argument). */
function findNode(file: ts.SourceFile, pos: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (pos >= node.getStart(file) && pos < node.getEnd()) {
      found = node;
      ts.forEachChild(node, visit);
    }
  };
  visit(file);
  return found;
}

/** Type-check the fixture and its migrated copy in one program (the fixture's own tsconfig). */
function typeCheck(): Found[] {
  const configPath = join(FIXTURE, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  expect(parsed.errors).toEqual([]);
  const fixtureFiles = parsed.fileNames;
  expect(fixtureFiles.map((f) => relative(FIXTURE, f)).sort()).toEqual(['src/config.ts', 'src/index.ts', 'src/site.ts', 'test/static-site.test.ts']);

  const host = ts.createCompilerHost(parsed.options);
  const onDisk = (f: string): string => (f.startsWith(`${MIGRATED}/`) ? join(FIXTURE, relative(MIGRATED, f)) : f);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => fileExists.call(host, onDisk(f));
  host.readFile = (f) => {
    const text = readFile.call(host, onDisk(f));
    return text !== undefined && f.startsWith(`${MIGRATED}/`) ? migrate(relative(MIGRATED, f), text) : text;
  };
  host.getSourceFile = (f, lang, onError, fresh) => {
    if (!f.startsWith(`${MIGRATED}/`)) return getSourceFile.call(host, f, lang, onError, fresh);
    const text = host.readFile(f);
    return text === undefined ? undefined : ts.createSourceFile(f, text, lang, true);
  };
  host.directoryExists = (d) => ts.sys.directoryExists(onDisk(d)) || d === MIGRATED;

  const migratedFiles = fixtureFiles.map((f) => join(MIGRATED, relative(FIXTURE, f)));
  const program = ts.createProgram({ rootNames: [...fixtureFiles, ...migratedFiles], options: parsed.options, host });

  // The plugin must see core as a third party does: the published declarations, not core's sources.
  const coreFiles = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.startsWith(CORE));
  expect(coreFiles).toContain(join(CORE, 'dist/index.d.ts'));
  expect(coreFiles.filter((f) => f.startsWith(join(CORE, 'src/')))).toEqual([]);

  return ts.getPreEmitDiagnostics(program).map(describeDiagnostic);
}

describe('a plugin written against the 1.0 README', () => {
  it('type-checks against the current @healer/core with exactly the break the changesets document, and cleanly once migrated', () => {
    const found = typeCheck();
    // The one compile-time break .changeset/contract-1-1.md lists (from deterministic-plans.md): preconditions() and
    // plan() receive a PlanContext, which lacks executionId and backup, so the 1.0 helper typed ActionContext no
    // longer accepts it at its two call sites.
    const expected = (member: string): Found => ({
      copy: 'fixture',
      file: 'src/index.ts',
      code: 2345,
      call: 'pickRelease',
      member,
      mentions: ['ActionContext', 'PlanContext'],
    });
    expect(found).toEqual([expected('preconditions'), expected('plan')]);
    // Nothing in the migrated copy: the one-line fix is all a 1.0 plugin needs, its test file included.
    expect(found.filter((f) => f.copy === 'migrated')).toEqual([]);
  }, 120_000);

  it('the migration fails loudly when the fixture no longer holds what it replaces', () => {
    expect(() => migrate('src/index.ts', 'no helper here')).toThrow(/expected "type ActionContext, type Step" once, found it 0 times/);
    expect(migrate('src/config.ts', 'untouched')).toBe('untouched');
    const original = readFileSync(join(FIXTURE, 'src/index.ts'), 'utf8');
    expect(migrate('src/index.ts', original)).not.toMatch(/\bActionContext\b/);
  });
});
