/**
 * @module Read-only credential views (viewer role): GET /api/agents/:uid/credentials (the agent's
 * credentials, how it authenticates now, its rotations and its connection-settings offer state)
 * and GET /api/tls (listener certificate, CA, trust bundle, staged certificate). Fingerprints
 * only: secrets are never stored, and nothing here could return one.
 */
import type { FastifyInstance } from 'fastify';
import { AmpgateError, notFound } from '../../shared/errors.js';
import type { CredentialRow } from '../../creds/agent-credentials.js';
import { describeCredential } from '../../creds/mint.js';
import type { CredentialsRuntime } from '../../creds/runtime.js';
import { loadStaged } from '../../creds/staged-tls.js';
import { certFingerprint, parseCertificates } from '../../creds/x509.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import { isUuidText } from '../../protocol/uid.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import type { RotationRow } from '../../store/ports/rotations.js';
import { requireRole } from '../auth.js';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function credentialView(rt: CredentialsRuntime, c: CredentialRow) {
  const status = c.revoked_at !== null ? 'revoked' : rt.creds.isValid(c) ? 'active' : 'expired';
  return {
    id: c.id,
    kind: c.kind,
    fingerprint: c.fingerprint,
    status,
    createdAt: iso(c.created_at),
    expiresAt: iso(c.expires_at),
    revokedAt: iso(c.revoked_at),
  };
}

function rotationView(rt: CredentialsRuntime, r: RotationRow) {
  return {
    id: r.id,
    changeId: r.change_id,
    credential: r.credential,
    state: r.state,
    from: describeCredential(rt, r.old_credential_id),
    to: describeCredential(rt, r.new_credential_id),
    attempt: r.attempt,
    offerHash: r.offer_hash,
    deadline: iso(r.deadline),
    detail: r.detail,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function certSummary(pem: string | undefined) {
  if (!pem) return null;
  try {
    return parseCertificates(pem).map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      fingerprint: certFingerprint(c.rawData),
      notAfter: c.notAfter.toISOString(),
    }));
  } catch {
    return null;
  }
}

export function credentialRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; rt: CredentialsRuntime }): void {
  const viewer = requireRole(deps.tokens, 'viewer');
  const rt = deps.rt;

  app.get<{ Params: { uid: string } }>('/api/agents/:uid/credentials', { onRequest: viewer }, async (req) => {
    const uid = req.params.uid.toLowerCase();
    if (!isUuidText(uid)) throw new AmpgateError('bad_request', 'agent uid must be a UUID, e.g. 0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70');
    const agent = rt.registry.get(uid);
    if (!agent) throw notFound(`agent ${uid}`);
    const auth = rt.tracker.current(uid);
    const used = auth?.credentialId ? rt.creds.get(auth.credentialId) : undefined;
    return {
      uid,
      currentAuth: auth ? { method: auth.method, credential: used ? credentialView(rt, used) : null, since: iso(auth.at) } : null,
      credentials: rt.creds.forAgent(uid).map((c) => credentialView(rt, c)),
      rotations: rt.rotations.forAgent(uid).map((r) => rotationView(rt, r)),
      connectionSettings: {
        acceptsOffers: hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings),
        reportsStatus: hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus),
        offerPending: rt.offers.pending(uid) !== undefined,
        status: agent.connectionSettingsStatus ?? null,
      },
    };
  });

  app.get('/api/tls', { onRequest: viewer }, async () => {
    let staged = null;
    try {
      const s = rt.tls ? loadStaged(rt.dataDir) : undefined;
      staged = s ? { fingerprint: s.fingerprint, subject: s.subject, notAfter: s.notAfter.toISOString(), ca: certSummary(s.trustPem) } : null;
    } catch (err) {
      staged = { error: (err as Error).message };
    }
    return {
      agentAuth: rt.agentAuth,
      endpoint: rt.env.baseUrl ?? null,
      offersPossible: rt.env.problems().length === 0,
      problems: rt.env.problems(),
      listener: rt.tls ? { certificate: certSummary(rt.tls.certPem), trustBundle: certSummary(rt.tls.trustBundlePem) } : null,
      ca: rt.ca ? certSummary(rt.ca.certPem) : null,
      stagedServerCertificate: staged,
    };
  });
}

/** Response of GET /api/agents/:uid/credentials (for the CLI and other clients). */
export interface AgentCredentialsResponse {
  readonly uid: string;
  readonly currentAuth: { method: string; credential: ReturnType<typeof credentialView> | null; since: string | null } | null;
  readonly credentials: Array<ReturnType<typeof credentialView>>;
  readonly rotations: Array<ReturnType<typeof rotationView>>;
  readonly connectionSettings: {
    acceptsOffers: boolean;
    reportsStatus: boolean;
    offerPending: boolean;
    status: { hash: string; status: string; errorMessage: string } | null;
  };
}
