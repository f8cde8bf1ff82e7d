/**
 * @module Enrollment tokens (admin): the shared bootstrap secret agents use before they have a
 * credential of their own. Create a new one (secret shown once), list fingerprints, revoke old
 * ones — e.g. after a leak or once every agent has been rotated to a per-agent token.
 */
import type { FastifyInstance } from 'fastify';
import type { AgentCredentials, CredentialRow } from '../../creds/agent-credentials.js';
import { newToken } from '../../creds/secrets.js';
import { notFound } from '../../errors.js';
import type { ApiTokensRepo } from '../../store/api-tokens-repo.js';
import { requireRole } from '../auth.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(r: CredentialRow) {
  return { id: r.id, fingerprint: r.fingerprint, createdAt: iso(r.created_at), revokedAt: iso(r.revoked_at) };
}

export function enrollmentRoutes(app: FastifyInstance, deps: { tokens: ApiTokensRepo; credentials: AgentCredentials }): void {
  const admin = requireRole(deps.tokens, 'admin');
  app.get('/api/enrollment-tokens', { preHandler: admin }, async () => ({ tokens: deps.credentials.ofKind('enrollment').map(view) }));
  app.post('/api/enrollment-tokens', { preHandler: admin }, async (_req, reply) => {
    const secret = newToken('ampe');
    const row = deps.credentials.add('enrollment', secret);
    void reply.code(201);
    // The only time the secret is ever returned.
    return { token: view(row), secret };
  });
  app.delete<{ Params: { id: string } }>('/api/enrollment-tokens/:id', { preHandler: admin }, async (req) => {
    const row = deps.credentials.get(req.params.id);
    if (!row || row.kind !== 'enrollment' || !deps.credentials.revoke(row.id)) throw notFound(`active enrollment token ${req.params.id}`);
    return { revoked: row.id };
  });
}
