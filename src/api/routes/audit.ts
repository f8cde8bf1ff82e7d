/**
 * @module The audit log over REST (admin role): page through rows, verify the hash chain, export
 * JSONL. Rows hold fingerprints, never secrets.
 */
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AuditLog } from '../../changes/audit.js';
import { checkAnchor, type AuditAnchor } from '../../changes/audit-anchor.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { requireRole } from '../auth.js';
import { parseInput } from '../validation.js';

const ListQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  request: z.string().regex(/^\d+$/, 'a change request id').optional(),
  before: z.coerce.number().int().min(1).optional(),
  /** An action (`change.approved`) or a prefix ending in a dot (`change.`). */
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, 'an action like change.approved or a prefix like change.')
    .optional(),
  actor: z.string().min(1).max(200).optional(),
  /** `desc`: newest first; page on with `before`. */
  order: z.enum(['asc', 'desc']).default('asc'),
});

export function auditRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; audit: AuditLog; anchor?: AuditAnchor }): void {
  const admin = requireRole(deps.tokens, 'admin');

  app.get('/api/audit', { onRequest: admin }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'bad_request');
    const entries = deps.audit.list({
      after: q.after,
      limit: q.limit,
      requestId: q.request,
      before: q.before,
      action: q.action,
      actor: q.actor,
      newestFirst: q.order === 'desc',
    });
    // `next` is the cursor for the following page (pass it as `after`, or as `before` with order=desc), null at the end.
    return { entries, next: entries.length === q.limit ? entries.at(-1)!.seq : null };
  });

  // The chain, and the checkpoint of its head kept outside the database (cut-off rows at the end).
  app.get('/api/audit/verify', { onRequest: admin }, async () => {
    const result = deps.audit.verify();
    return deps.anchor ? checkAnchor(result, deps.anchor.read(), deps.anchor.files.file, (seq) => deps.audit.hashAt(seq)) : result;
  });

  app.get('/api/audit/export', { onRequest: admin }, async (req, reply) => {
    const q = parseInput(ListQuery.pick({ after: true }), req.query, 'bad_request');
    void reply.header('Content-Type', 'application/x-ndjson; charset=utf-8');
    return reply.send(Readable.from(lines(deps.audit, q.after)));
  });
}

function* lines(audit: AuditLog, after: number): Generator<string> {
  for (const line of audit.exportJsonl(after)) yield `${line}\n`;
}
