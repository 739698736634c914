/** `nodejs/node-env`: `NODE_ENV` is `production` when the app runs in production. */
import { appEnvironment, type NodeCheck } from './shared.js';

export const NODE_ENV = 'nodejs/node-env';

export const nodeEnvCheck: NodeCheck = {
  id: NODE_ENV,
  title: 'NODE_ENV is production',
  category: 'configuration',
  severity: 'medium',
  async run(ctx) {
    if (!ctx.config.production) return { status: 'skip', message: 'The app is not configured as production.' };
    const { vars, sources } = await appEnvironment(ctx);
    const value = vars.get('NODE_ENV');
    if (value === 'production') return { status: 'pass', message: 'NODE_ENV is production.', details: { sources } };
    if (value === undefined) {
      return { status: 'warn', message: `NODE_ENV is not set (looked in ${sources.join(', ')}): Express and most libraries run in development mode, slower and with stack traces shown.`, details: { sources } };
    }
    return { status: 'fail', message: `NODE_ENV is "${value}" in production: set it to production (stack traces are shown to visitors, caches are off).`, details: { value, sources } };
  },
};
