import pino, { type Logger } from 'pino';

/**
 * JSON logs. Secrets are redacted by path as a second line of defence: code must not log them at all.
 */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        '*.sessionId',
        '*.session_id',
        'sessionId',
        'session_id',
        '*.password',
        '*.accessKeySecret',
        '*.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
