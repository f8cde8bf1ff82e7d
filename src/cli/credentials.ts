/**
 * @module `ampgate credentials UID`: an agent's credentials (fingerprints only), how it
 * authenticates now, its rotations and its connection-settings state (GET /api/agents/:uid/credentials).
 */
import type { Command } from 'commander';
import type { AgentCredentialsResponse } from '../api/routes/agent-credentials.js';
import { resolveAgentUid } from './agent-uids.js';
import type { CliContext } from './context.js';
import { table } from './format.js';

export function registerCredentialCommands(program: Command, ctx: CliContext): void {
  program
    .command('credentials')
    .description("show an agent's credentials, rotations and connection-settings state (fingerprints only)")
    .argument('<uid>', 'agent instance uid (UUID), or a unique prefix of it')
    .action(async (input: string) => {
      const c = ctx.client();
      const v = await c.get<AgentCredentialsResponse>(`/api/agents/${encodeURIComponent(await resolveAgentUid(c, input))}/credentials`);
      if (ctx.json()) return ctx.out(JSON.stringify(v, null, 2));
      const auth = v.currentAuth;
      const cs = v.connectionSettings;
      ctx.out(
        `authenticates with: ${auth ? `${auth.method}${auth.credential ? ` (${auth.credential.kind} ${auth.credential.fingerprint})` : ''}` : 'unknown'}`,
      );
      ctx.out(
        `connection settings: ` +
          `${cs.acceptsOffers ? 'accepts offers' : 'does NOT accept offers (manual rotation only)'}${
            cs.status ? `, last status ${cs.status.status} ${cs.status.hash.slice(0, 12)}` : ''
          }${cs.offerPending ? ', offer pending' : ''}`,
      );
      ctx.out('');
      ctx.out(
        table(
          ['KIND', 'FINGERPRINT', 'STATUS', 'CREATED', 'EXPIRES'],
          v.credentials.map((c) => [c.kind, c.fingerprint, c.status, c.createdAt ?? '-', c.expiresAt ?? '-']),
          'no credentials of its own (it uses the enrollment token, or connects without authentication)',
        ),
      );
      if (v.rotations.length === 0) return;
      ctx.out('');
      ctx.out(
        table(
          ['CHANGE', 'CREDENTIAL', 'STATE', 'FROM -> TO', 'DETAIL'],
          v.rotations.map((r) => [r.changeId ?? 'CSR', r.credential, r.state, `${r.from} -> ${r.to}`, r.detail]),
          '',
        ),
      );
    });
}
