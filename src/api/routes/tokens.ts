/**
 * @module API token management (admin role): create (secret shown once), list, revoke.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROLES } from '../../changes/principal.js';
import { notFound } from '../../errors.js';
import type { ApiTokensRepo } from '../../store/api-tokens-repo.js';
import { requireRole } from '../auth.js';
import { parseInput } from '../validation.js';

const CreateBody = z.object({ name: z.string().trim().min(1).max(100), role: z.enum(ROLES) });

export function tokenRoutes(app: FastifyInstance, deps: { tokens: ApiTokensRepo }): void {
  const admin = requireRole(deps.tokens, 'admin');
  app.get('/api/tokens', { preHandler: admin }, async () => ({ tokens: deps.tokens.list() }));
  app.post('/api/tokens', { preHandler: admin }, async (req, reply) => {
    const body = parseInput(CreateBody, req.body);
    const { secret, view } = deps.tokens.create(body.name, body.role);
    void reply.code(201);
    // The only time the secret is ever returned.
    return { token: view, secret };
  });
  app.delete<{ Params: { id: string } }>('/api/tokens/:id', { preHandler: admin }, async (req) => {
    if (!deps.tokens.revoke(req.params.id)) throw notFound(`active token ${req.params.id}`);
    return { revoked: req.params.id };
  });
}
