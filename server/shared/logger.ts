import { pino, type Logger } from 'pino';

// Paths that may carry secrets or tokens anywhere in a log record.
const REDACT = [
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'cti' } }, destination);
}

export type { Logger };
