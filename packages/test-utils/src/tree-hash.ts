/** A digest of a whole folder tree (paths, types, modes, contents), to prove "byte-identical". */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function hashFolder(root: string, options: { ignore?: string[] } = {}): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (options.ignore?.includes(name)) continue;
      const full = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) hash.update(`L ${r} ${mode} ${await readlink(full)}\n`);
      else if (st.isDirectory()) {
        hash.update(`D ${r} ${mode}\n`);
        await walk(full, r);
      } else {
        hash.update(`F ${r} ${mode} `);
        hash.update(await readFile(full));
        hash.update('\n');
      }
    }
  };
  await walk(root, '');
  return hash.digest('hex');
}
