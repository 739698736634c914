/** `nodejs/env-vars`: every variable in `.env.example` is set in `.env` or the app's environment. */
import { posix } from 'node:path';
import { parseDotenv, appEnvironment, type NodeCheck } from './shared.js';

export const ENV_VARS = 'nodejs/env-vars';

/** The example files looked for, first found wins. */
export const ENV_EXAMPLE_FILES = ['.env.example', '.env.sample', '.env.template'];

export const envVarsCheck: NodeCheck = {
  id: ENV_VARS,
  title: 'Every variable in .env.example is set',
  category: 'configuration',
  severity: 'high',
  async run(ctx) {
    let example: { file: string; text: string } | null = null;
    for (const file of ENV_EXAMPLE_FILES) {
      const text = await ctx.fs.readText(posix.join(ctx.app.root, file), { maxBytes: 1024 * 1024 });
      if (text !== null) {
        example = { file, text };
        break;
      }
    }
    if (example === null) return { status: 'skip', message: 'No .env.example: nothing says which variables the app needs.' };
    const wanted = [...parseDotenv(example.text).keys()];
    const { vars, sources } = await appEnvironment(ctx);
    const missing = wanted.filter((k) => !vars.has(k));
    if (missing.length === 0) return { status: 'pass', message: `All ${wanted.length} variables of ${example.file} are set.`, details: { sources } };
    return {
      status: 'fail',
      message: `${missing.length === 1 ? 'Variable' : 'Variables'} ${missing.join(', ')} from ${example.file} ${missing.length === 1 ? 'is' : 'are'} not set in .env or the app's environment: set ${missing.length === 1 ? 'it' : 'them'} and restart the app.`,
      details: { missing, example: example.file, sources },
      evidence: missing.map((k) => `${k} is in ${example.file} but in none of: ${sources.join(', ')}`),
    };
  },
};
