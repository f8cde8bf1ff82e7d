/**
 * @module Agent authentication port. It runs on the HTTP request, before a WebSocket upgrade or
 * body parsing (spec: failures MUST be answered with 401). Implementations live in src/creds.
 */
import type { IncomingMessage } from 'node:http';
import type { AgentAuth } from '../fleet/link.js';

export type AgentAuthMode = 'token' | 'none' | 'mtls';

export interface AgentAuthenticator {
  readonly mode: AgentAuthMode;
  /** Synchronous (a SQLite point lookup). undefined means: answer 401. */
  authenticate(req: IncomingMessage): AgentAuth | undefined;
}

/** Extracts a bearer token from an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
