import type { DiagnosticCheck } from '../../contract/plugin.js';
import { HealerError } from '../../errors.js';

/**
 * `core/port-listening`: something on the target host listens on TCP
 * `settings.port` (any address, IPv4 or IPv6). Skipped when no port is set.
 * Uses `facts.listeningPorts()`, so it runs on the target, not where Healer runs.
 */
export const portListeningCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/port-listening',
  title: 'Port listening',
  category: 'availability',
  severity: 'high',
  description: 'Fails when nothing listens on the port the application should serve.',
  async run(ctx) {
    const port = portSetting(ctx.settings.port);
    if (port === null) {
      return { status: 'skip', message: 'No port is configured for this application; set `port` in its settings to check that it listens.' };
    }
    const listeners = (await ctx.facts.listeningPorts()).filter((p) => p.port === port && p.protocol.startsWith('tcp'));
    if (listeners.length === 0) {
      return {
        status: 'fail',
        message: `Nothing listens on TCP port ${port} on ${ctx.target.host}; start the application's server or fix its port setting.`,
        details: { port },
      };
    }
    const evidence = listeners.map((l) => {
      const address = l.address.includes(':') ? `[${l.address}]` : l.address;
      const owner = l.process ? ` (${l.process}${l.pid !== undefined ? `, pid ${l.pid}` : ''})` : '';
      return `${l.protocol} ${address}:${l.port}${owner}`;
    });
    const owners = [...new Set(listeners.flatMap((l) => (l.process ? [l.process] : [])))];
    return {
      status: 'pass',
      message: `TCP port ${port} is listening${owners.length > 0 ? ` (${owners.join(', ')})` : ''} on ${listeners.map((l) => l.address).join(', ')}.`,
      details: { port, listeners },
      evidence,
    };
  },
};

function portSetting(raw: unknown): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new HealerError('CONFIG_INVALID', `The setting "port" must be a TCP port number from 1 to 65535; got ${JSON.stringify(raw)}.`);
  }
  return n;
}
