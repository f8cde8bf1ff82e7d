/**
 * @module `ampgate enrollment [list|create|revoke]` (admin token required): the shared token agents
 * use to connect before they have their own credential.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { table } from './format.js';

interface EnrollmentView {
  id: string;
  fingerprint: string;
  createdAt: string;
  revokedAt: string | null;
}

export function registerEnrollmentCommands(program: Command, ctx: CliContext): void {
  const cmd = program.command('enrollment').description('agent enrollment tokens (admin): create, list, revoke');
  cmd
    .command('list', { isDefault: true })
    .description('list enrollment tokens (fingerprints only)')
    .action(async () => {
      const res = await ctx.client().get<{ tokens: EnrollmentView[] }>('/api/enrollment-tokens');
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(
        table(
          ['ID', 'FINGERPRINT', 'CREATED', 'REVOKED'],
          res.tokens.map((t) => [t.id, t.fingerprint, t.createdAt, t.revokedAt ?? '-']),
          'no enrollment tokens: agents can enroll only with their own credentials (create one with `ampgate enrollment create`)',
        ),
      );
    });
  cmd
    .command('create')
    .description('create an enrollment token; its secret is printed once')
    .action(async () => {
      const res = await ctx.client().post<{ token: EnrollmentView; secret: string }>('/api/enrollment-tokens');
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(`created enrollment token ${res.token.id} (${res.token.fingerprint})\nsecret (shown once): ${res.secret}`);
    });
  cmd
    .command('revoke')
    .description('revoke an enrollment token; agents that still use it get 401 (those with their own credential are unaffected)')
    .argument('<id>')
    .action(async (id: string) => {
      await ctx.client().delete(`/api/enrollment-tokens/${encodeURIComponent(id)}`);
      ctx.out(`revoked ${id}`);
    });
}
