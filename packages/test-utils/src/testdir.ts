/**
 * Inline file-tree fixtures: `await testdir({ 'wp-config.php': '<?php ...', 'wp-includes/version.php': '...' })`.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A file's content, or `{ content, mode }`. */
export type TreeEntry = string | { content: string; mode?: number };

export interface TestDir {
  /** The folder's real path (absolute, normalized). */
  path: string;
  cleanup(): Promise<void>;
}

export async function testdir(tree: Record<string, TreeEntry> = {}, prefix = 'healer-test-'): Promise<TestDir> {
  const path = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  await writeTree(path, tree);
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export async function writeTree(root: string, tree: Record<string, TreeEntry>): Promise<void> {
  for (const [rel, entry] of Object.entries(tree)) {
    const file = join(root, rel);
    await mkdir(dirname(file), { recursive: true });
    const { content, mode } = typeof entry === 'string' ? { content: entry, mode: undefined } : entry;
    await writeFile(file, content);
    if (mode !== undefined) await chmod(file, mode);
  }
}
