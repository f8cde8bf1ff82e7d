/**
 * @module Enrollment tokens (admin): the shared bootstrap secret agents use before they have a
 * credential of their own. Create a new one (secret shown once), list fingerprints, revoke old
 * ones — e.g. after a leak or once every agent has been rotated to a per-agent token. Creation and
 * revocation go through PrivilegeAdmin (audited and logged).
 */
import type { FastifyInstance } from 'fastify';
import type { AgentCredentials } from '../../creds/agent-credentials.js';
import { enrollmentView, type PrivilegeAdmin } from '../../creds/privileges.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requireRole } from '../auth.js';

export function enrollmentRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; credentials: AgentCredentials; privileges: PrivilegeAdmin }): void {
  const admin = requireRole(deps.tokens, 'admin');
  app.get('/api/enrollment-tokens', { onRequest: admin }, async () => ({ tokens: deps.credentials.ofKind('enrollment').map(enrollmentView) }));
  app.post('/api/enrollment-tokens', { onRequest: admin }, async (req, reply) => {
    const { secret, view } = deps.privileges.createEnrollment(principalOf(req));
    void reply.code(201);
    // The only time the secret is ever returned.
    return { token: view, secret };
  });
  app.delete<{ Params: { id: string } }>('/api/enrollment-tokens/:id', { onRequest: admin }, async (req) => ({
    revoked: deps.privileges.revokeEnrollment(principalOf(req), req.params.id).id,
  }));
}
