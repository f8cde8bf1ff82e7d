/**
 * @module Agent authentication port. The transport runs it on the HTTP request, before a WebSocket
 * upgrade or body parsing (OpAMP spec, Security: a failed authentication is answered with HTTP 401).
 * Implementations live in src/creds; the transport (src/opamp) hands them what the request
 * presented, never the request itself.
 */
import type { AgentAuth } from './link.js';

export type AgentAuthMode = 'token' | 'none' | 'mtls';

/** The credentials an agent's request presented, as read by the transport. */
export interface PresentedCredentials {
  /** The `Authorization` header, if any. */
  readonly authorization: string | undefined;
  /**
   * The TLS client certificate (DER) and whether its chain verified against the trusted CAs;
   * undefined when the connection is not TLS. Read on demand: only mTLS needs it.
   */
  clientCertificate(): { readonly der: Uint8Array | undefined; readonly verified: boolean } | undefined;
}

export interface AgentAuthenticator {
  readonly mode: AgentAuthMode;
  /** Synchronous (a point lookup). undefined means: answer 401. */
  authenticate(presented: PresentedCredentials): AgentAuth | undefined;
}
