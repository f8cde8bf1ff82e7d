/**
 * @module `ampgate tokens [list|create|revoke]` (admin token required).
 */
import type { Command } from 'commander';
import type { ApiTokenView } from '../store/api-tokens-repo.js';
import type { CliContext } from './context.js';
import { table } from './format.js';

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command('tokens').description('manage control-plane API tokens (admin)');
  tokens
    .command('list', { isDefault: true })
    .description('list tokens (fingerprints only)')
    .action(async () => {
      const res = await ctx.client().get<{ tokens: ApiTokenView[] }>('/api/tokens');
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(table(['ID', 'NAME', 'ROLE', 'FINGERPRINT', 'REVOKED'], res.tokens.map((t) => [t.id, t.name, t.role, t.fingerprint, t.revokedAt ?? '-']), 'no API tokens'));
    });
  tokens
    .command('create')
    .description('create a token; its secret is printed once')
    .requiredOption('--name <name>', 'who or what uses it')
    .requiredOption('--role <role>', 'viewer | proposer | approver | admin')
    .action(async (o: { name: string; role: string }) => {
      const res = await ctx.client().post<{ token: ApiTokenView; secret: string }>('/api/tokens', o);
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(`created ${res.token.role} token ${res.token.id} (${res.token.name})\nsecret (shown once): ${res.secret}`);
    });
  tokens
    .command('revoke')
    .argument('<id>')
    .action(async (id: string) => {
      await ctx.client().delete(`/api/tokens/${encodeURIComponent(id)}`);
      ctx.out(`revoked ${id}`);
    });
}
