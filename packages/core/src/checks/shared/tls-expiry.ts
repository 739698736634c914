import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import type { CheckResult, DiagnosticCheck } from '../../contract/plugin.js';
import { errorMessage } from '../../errors.js';
import { checkUrlSetting, numberSetting, withTimeout } from './settings.js';

const DAY_MS = 86_400_000;

/**
 * `core/tls-expiry`: the certificate served at the app's https URL.
 *
 * Connects with `node:tls` **from the machine running Healer** (SNI set to
 * the URL's host name), accepting any certificate so that even a bad one can
 * be read and reported.
 *
 * - Expired, not yet valid, or fewer than `tlsFailDays` (default 3) days left: `fail`.
 * - Fewer than `tlsWarnDays` (default 14) days left: `warn`.
 * - A chain that does not verify (self-signed, unknown issuer, wrong host name): `warn`.
 * - `tlsTimeoutMs` (default 10 000): the handshake must finish by then.
 * - Skipped when there is no URL or it is not `https:`.
 *
 * Details: `daysLeft`, `validTo`, `validFrom`, `subject`, `issuer`, `authorized`, `authorizationError`.
 */
export const tlsExpiryCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/tls-expiry',
  title: 'TLS certificate expiry',
  category: 'security',
  severity: 'high',
  description: 'Warns before the HTTPS certificate expires and reports certificates browsers will not trust.',
  timeoutMs: 30_000,
  async run(ctx) {
    const url = checkUrlSetting(ctx.settings.url ?? ctx.target.url);
    if (url === null) {
      return { status: 'skip', message: 'No URL is configured for this application, so there is no certificate to check.' };
    }
    const { protocol, hostname, port } = new URL(url);
    if (protocol !== 'https:') {
      return { status: 'skip', message: `${url} is not an https URL, so there is no certificate to check.` };
    }
    const warnDays = numberSetting(ctx.settings, 'tlsWarnDays');
    const failDays = numberSetting(ctx.settings, 'tlsFailDays');
    const timeoutMs = numberSetting(ctx.settings, 'tlsTimeoutMs');
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;

    let peer: PeerInfo;
    const timer = withTimeout(ctx.signal, timeoutMs);
    try {
      peer = await readPeerCertificate(host, port === '' ? 443 : Number(port), timer.signal);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const reason = timer.timedOut() ? `no TLS handshake within ${timeoutMs} ms` : errorMessage(e);
      return {
        status: 'fail',
        message: `Could not read the certificate of ${host}:${port || 443}: ${reason}; check that the server answers HTTPS on that port.`,
        details: { url, error: reason },
      };
    } finally {
      timer.dispose();
    }

    const { cert } = peer;
    const validTo = new Date(cert.valid_to);
    const validFrom = new Date(cert.valid_from);
    const now = Date.now();
    const daysLeft = (validTo.getTime() - now) / DAY_MS;
    const details = {
      url,
      daysLeft: Math.floor(daysLeft * 100) / 100,
      validTo: validTo.toISOString(),
      validFrom: validFrom.toISOString(),
      subject: cert.subject?.CN ?? null,
      issuer: cert.issuer?.CN ?? null,
      subjectAltName: cert.subjectaltname ?? null,
      fingerprint256: cert.fingerprint256,
      authorized: peer.authorized,
      authorizationError: peer.authorizationError,
      warnDays,
      failDays,
    };
    const evidence = [`subject: ${cert.subject?.CN ?? '?'}`, `issuer: ${cert.issuer?.CN ?? '?'}`, `valid until: ${details.validTo}`];
    const renew = 'renew it (e.g. `certbot renew`) and reload the web server';
    const distrust = peer.authorizationError ?? 'unverified chain';
    // An expired certificate also fails verification; saying so twice adds nothing.
    const dateOnly = distrust === 'CERT_HAS_EXPIRED' || distrust === 'CERT_NOT_YET_VALID';
    const trustNote = peer.authorized || dateOnly ? '' : ` It is also not trusted (${distrust}).`;

    let result: CheckResult;
    if (daysLeft < 0) {
      result = { status: 'fail', message: `The certificate of ${host} expired ${formatDays(-daysLeft)} ago (${details.validTo}); ${renew}.${trustNote}` };
    } else if (validFrom.getTime() > now) {
      result = { status: 'fail', message: `The certificate of ${host} is not valid before ${details.validFrom}; check the server clock or install the right certificate.${trustNote}` };
    } else if (daysLeft < failDays) {
      result = { status: 'fail', message: `The certificate of ${host} expires in ${formatDays(daysLeft)} (${details.validTo}), under the ${failDays}-day limit; ${renew}.${trustNote}` };
    } else if (daysLeft < warnDays) {
      result = { status: 'warn', message: `The certificate of ${host} expires in ${formatDays(daysLeft)} (${details.validTo}), under the ${warnDays}-day warning; ${renew} soon.${trustNote}` };
    } else if (!peer.authorized) {
      result = {
        status: 'warn',
        message: `The certificate of ${host} is valid for ${formatDays(daysLeft)} more but browsers will not trust it (${distrust}); install a certificate from a trusted authority for this host name.`,
      };
    } else {
      result = { status: 'pass', message: `The certificate of ${host} is trusted and valid for ${formatDays(daysLeft)} more (until ${details.validTo}).` };
    }
    return { ...result, details, evidence };
  },
};

/** `less than a day`, `1 day`, `12 days` (whole days, rounded down). */
function formatDays(days: number): string {
  if (days < 1) return 'less than a day';
  const n = Math.floor(days);
  return n === 1 ? '1 day' : `${n} days`;
}

interface PeerInfo {
  cert: PeerCertificate;
  authorized: boolean;
  authorizationError: string | null;
}

function readPeerCertificate(host: string, port: number, signal: AbortSignal): Promise<PeerInfo> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = connect({
      host,
      port,
      // SNI must be a host name; Node warns when it is given an IP address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // Read even an expired or self-signed certificate; trust is reported, not enforced.
      rejectUnauthorized: false,
    });
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      const cert = socket.getPeerCertificate();
      const authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
      const authorized = socket.authorized;
      socket.end();
      if (!cert || Object.keys(cert).length === 0) reject(new Error('the server sent no certificate'));
      else resolve({ cert, authorized, authorizationError });
    });
    socket.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(e);
    });
  });
}
