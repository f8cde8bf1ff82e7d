/**
 * @module GET /api/whoami: the caller's principal and role, and whether MCP is read-only. Used by
 * the MCP layer to decide which tools to offer, and by humans to check a token.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requireRole } from '../auth.js';

export function whoamiRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; mcpReadOnly: boolean }): void {
  app.get('/api/whoami', { onRequest: requireRole(deps.tokens, 'viewer') }, async (req) => ({
    principal: principalOf(req),
    mcpReadOnly: deps.mcpReadOnly,
  }));
}
