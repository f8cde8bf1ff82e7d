/**
 * @module `mtls` agent authentication. A client certificate, when presented, must chain to
 * ampgate's CA (verified by Node's TLS layer) AND be registered as a client_cert credential (by the
 * SHA-256 of its DER), so single certificates can be revoked: an unknown, revoked, expired or
 * unverifiable certificate gets 401 even if a bearer token is also sent. A connection without a
 * certificate may authenticate with a bearer token (enrollment or per-agent), so agents can
 * bootstrap into certificates (CSR flow or a certificate rotation); revoke the enrollment token
 * once every agent has a certificate to make certificates mandatory.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { AgentAuth } from '../fleet/link.js';
import type { AgentAuthenticator } from '../opamp/agent-auth.js';
import type { AgentCredentials } from './agent-credentials.js';
import { certFingerprint } from './x509.js';

export class MtlsAuthenticator implements AgentAuthenticator {
  readonly mode = 'mtls' as const;

  constructor(
    private readonly creds: AgentCredentials,
    private readonly tokens: AgentAuthenticator,
  ) {}

  authenticate(req: IncomingMessage): AgentAuth | undefined {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    const peer = socket.getPeerCertificate(false);
    if (!peer || !peer.raw) return this.tokens.authenticate(req);
    if (!socket.authorized) return undefined; // not signed by a trusted CA (or expired): 401
    const fp = certFingerprint(peer.raw);
    const row = this.creds.lookupByHash(fp);
    if (!row || row.kind !== 'client_cert') return undefined;
    this.creds.noteUsed(row);
    return {
      method: 'mtls',
      credentialId: row.id,
      credentialKind: 'client_cert',
      boundAgentUid: row.agent_uid ?? undefined,
      certFingerprint: fp,
    };
  }
}
