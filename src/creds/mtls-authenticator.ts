/**
 * @module `mtls` agent authentication. A client certificate, when presented, must chain to
 * ampgate's CA (verified by Node's TLS layer) AND be registered as a client_cert credential (by the
 * SHA-256 of its DER), so single certificates can be revoked: an unknown, revoked, expired or
 * unverifiable certificate gets 401 even if a bearer token is also sent. A connection without a
 * certificate may authenticate with a bearer token (enrollment or per-agent), so agents can
 * bootstrap into certificates (CSR flow or a certificate rotation); revoke the enrollment token
 * once every agent has a certificate to make certificates mandatory.
 */
import type { AgentAuth } from '../fleet/link.js';
import type { AgentAuthenticator, PresentedCredentials } from '../fleet/agent-auth.js';
import type { AgentCredentials } from './agent-credentials.js';
import { certFingerprint } from './x509.js';

export class MtlsAuthenticator implements AgentAuthenticator {
  readonly mode = 'mtls' as const;

  constructor(
    private readonly creds: AgentCredentials,
    private readonly tokens: AgentAuthenticator,
  ) {}

  authenticate(presented: PresentedCredentials): AgentAuth | undefined {
    const tls = presented.clientCertificate();
    if (!tls) return undefined;
    if (!tls.der) return this.tokens.authenticate(presented);
    if (!tls.verified) return undefined; // not signed by a trusted CA (or expired): 401
    const fp = certFingerprint(tls.der);
    const row = this.creds.lookupByHash(fp);
    if (row?.kind !== 'client_cert') return undefined;
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
