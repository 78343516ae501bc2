import { createLogger, type Logger } from '../../../server/shared/logger.js';

/** A pino logger whose lines are kept in memory, to assert what was (not) logged. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

export const silentLogger = (): Logger => createLogger('silent');
