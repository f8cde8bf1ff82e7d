/**
 * @module Structured logging (pino, JSON lines on stdout). Credentials must never be logged:
 * request headers are redacted here, and callers log fingerprints, never secrets or payloads.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'ampgate',
      level,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.secret', '*.privateKey', 'token', 'secret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
