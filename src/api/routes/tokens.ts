/**
 * @module API token management (admin role): create (secret shown once), list, revoke. Creation
 * and revocation go through PrivilegeAdmin, which audits and logs them; a token minted here belongs
 * to the caller's person (src/changes/policy.ts#person).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROLES } from '../../changes/principal.js';
import type { PrivilegeAdmin } from '../../creds/privileges.js';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from '../../shared/safe-text.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requireRole } from '../auth.js';
import { parseInput } from '../validation.js';

const CreateBody = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((n) => !hasControlChars(n), CONTROL_CHARS_MESSAGE),
  role: z.enum(ROLES),
});

export function tokenRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; privileges: PrivilegeAdmin }): void {
  const admin = requireRole(deps.tokens, 'admin');
  app.get('/api/tokens', { onRequest: admin }, async () => ({ tokens: deps.tokens.list() }));
  app.post('/api/tokens', { onRequest: admin }, async (req, reply) => {
    const body = parseInput(CreateBody, req.body);
    const { secret, view } = deps.privileges.createApiToken(principalOf(req), body);
    void reply.code(201);
    // The only time the secret is ever returned.
    return { token: view, secret };
  });
  app.delete<{ Params: { id: string } }>('/api/tokens/:id', { onRequest: admin }, async (req) => ({
    revoked: deps.privileges.revokeApiToken(principalOf(req), req.params.id).id,
  }));
}
