// Logs: JSON lines (pino: one object a line with level, time, pid and message) in production or
// when asked (WAYMARK_LOG_FORMAT=json), readable lines otherwise; the level from WAYMARK_LOG.
import pino from 'pino';

export interface Logger {
  info(line: string): void;
  debug(line: string): void;
  /** A problem, with the error's stack when there is one. */
  error(line: string, error?: unknown): void;
}

export function createLogger(
  level: 'silent' | 'info' | 'debug',
  format: 'auto' | 'json' | 'text' = 'auto',
): Logger {
  const json = format === 'json' || (format === 'auto' && process.env.NODE_ENV === 'production');
  if (json) {
    const logger = pino({ level, timestamp: pino.stdTimeFunctions.isoTime });
    return {
      info: (line) => logger.info(line),
      debug: (line) => logger.debug(line),
      error: (line, error) =>
        error instanceof Error ? logger.error({ err: error }, line) : logger.error(line),
    };
  }
  const quiet = level === 'silent';
  return {
    info: (line) => {
      if (!quiet) console.log(line);
    },
    debug: (line) => {
      if (level === 'debug') console.log(line);
    },
    error: (line, error) => {
      if (!quiet) console.error(error instanceof Error && error.stack ? `${line}\n${error.stack}` : line);
    },
  };
}
