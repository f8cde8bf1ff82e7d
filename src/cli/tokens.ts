/**
 * @module `ampgate tokens [list|create|revoke]`. Through the REST API (admin token): a token created
 * there belongs to the admin who created it (the same person for approvals, unless the policy's
 * identities bind it to someone else). `create --db` instead provisions a token on the host, as the
 * operator, writing to the database directly (audited): such a token is a person of its own, the
 * way to give each approver their own identity.
 */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { ROLES, type Role } from '../changes/principal.js';
import type { ApiTokenView } from '../creds/api-tokens.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { table } from './format.js';

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command('tokens').description('manage control-plane API tokens (admin)');
  tokens
    .command('list', { isDefault: true })
    .description('list tokens (fingerprints only); OWNER is the token that minted it (the same person)')
    .action(async () => {
      const res = await ctx.client().get<{ tokens: ApiTokenView[] }>('/api/tokens');
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(
        table(
          ['ID', 'NAME', 'ROLE', 'FINGERPRINT', 'OWNER', 'ORIGIN', 'REVOKED'],
          res.tokens.map((t) => [t.id, t.name, t.role, t.fingerprint, t.owner ?? '-', t.origin, t.revokedAt ?? '-']),
          'no API tokens',
        ),
      );
    });
  tokens
    .command('create')
    .description('create a token; its secret is printed once')
    .requiredOption('--name <name>', 'who or what uses it')
    .requiredOption('--role <role>', 'viewer | proposer | approver | admin')
    .option(
      '--db <file>',
      'provision it on this host as the operator, in this database (a SQLite file or a postgres:// URL; a person of its own; no server or token needed)',
    )
    .action(async (o: { name: string; role: string; db?: string }) => {
      const res = o.db
        ? await provision(o.db, o.name, o.role)
        : await ctx.client().post<{ token: ApiTokenView; secret: string }>('/api/tokens', { name: o.name, role: o.role });
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

/** Operator provisioning on the host: the database is written directly (audited as operator:<user>). */
async function provision(dbFile: string, name: string, role: string): Promise<{ token: ApiTokenView; secret: string }> {
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const { provisionApiTokenIn } = await import('./provision.js');
  return provisionApiTokenIn(dbFile, name, role as Role, `operator:${userInfo().username}`);
}
