/**
 * pino JSON logs. Authorization headers, cookies and anything named like a
 * secret are censored by path; bodies are never logged.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.secret',
  '*.token',
  '*.authorization',
  'password',
  'secret',
  'token',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'healer-server' }, redact: { paths: REDACT_PATHS, censor: '***' } };
  return destination ? pino(options, destination) : pino(options);
}
