/**
 * Files the CLI runs as code or obeys as configuration must be trusted: a
 * site owner must not be able to write them. A configuration file or a plugin
 * module is refused unless it is a regular file owned by the invoking user
 * or root and writable by neither its group nor others.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/** The largest configuration file read (1 MiB): `--config /dev/zero` or a huge file fails at once. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Who may own a trusted file: the invoking user and root. */
function trustedOwners(): number[] {
  const uid = process.getuid?.();
  return uid === undefined ? [0] : [uid, 0];
}

/** Why a file with this owner and mode is unsafe, or null. */
function unsafeReason(st: { uid: number; mode: number }): string | null {
  const owners = trustedOwners();
  if (!owners.includes(st.uid)) return `it is owned by uid ${st.uid}, not by you (uid ${owners[0]}) or root`;
  if ((st.mode & 0o022) !== 0) return `it is writable by ${(st.mode & 0o002) !== 0 ? 'others' : 'its group'} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  return null;
}

/**
 * Read a configuration file: regular, at most {@link MAX_CONFIG_BYTES}, owned by
 * the invoking user or root and not writable by group or others. Checked on
 * the open file itself, so it cannot be swapped between the check and the read.
 * Throws `CONFIG_INVALID` (missing, not a regular file, too large) or `CONFIG_UNSAFE`.
 */
export async function readTrustedConfig(file: string): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO named as the configuration must not hang the run.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError('CONFIG_INVALID', `Cannot read the configuration file ${file}: ${code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new CliError('CONFIG_INVALID', `The configuration file ${file} is not a regular file.`);
    if (st.size > MAX_CONFIG_BYTES) throw new CliError('CONFIG_INVALID', `The configuration file ${file} is larger than ${MAX_CONFIG_BYTES} bytes.`);
    const why = unsafeReason(st);
    if (why) {
      throw new CliError('CONFIG_UNSAFE', `Refusing the configuration file ${file}: ${why}. A configuration decides what runs as you; fix it with chown/chmod go-w.`);
    }
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw new CliError('CONFIG_INVALID', `The configuration file ${file} is larger than ${MAX_CONFIG_BYTES} bytes.`);
    }
    // A UTF-8 byte order mark (some editors write one) is not part of the JSON.
    return buf.subarray(0, length).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

/** Refuse a plugin module file the invoking user does not control (`PLUGIN_UNSAFE`), before it is imported. */
export async function assertTrustedModule(file: string, specifier: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new CliError('PLUGIN_LOAD_FAILED', `Cannot load plugin "${specifier}": ${(e as Error).message}`);
  }
  const why = st.isFile() ? unsafeReason(st) : 'it is not a regular file';
  if (why) {
    throw new CliError('PLUGIN_UNSAFE', `Refusing plugin "${specifier}" (${file}): ${why}. A plugin runs as you; fix it with chown/chmod go-w.`);
  }
}
