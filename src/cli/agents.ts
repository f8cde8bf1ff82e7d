/**
 * @module `ampgate agents [--selector] [--connected]` and `ampgate agent UID`.
 */
import type { Command } from 'commander';
import type { AgentDetail, AgentSummary } from '../api/views.js';
import { inline } from '../shared/safe-text.js';
import { ago, table } from './format.js';
import { addFilterFlags, hasFilterFlags, selectorWithFlags } from './selector-flags.js';
import { resolveAgentUid } from './agent-uids.js';
import type { CliContext } from './context.js';

export function registerAgentCommands(program: Command, ctx: CliContext): void {
  addFilterFlags(program.command('agents'))
    .description('list agents known to ampgate')
    .option(
      '-s, --selector <selector>',
      'attribute selector, e.g. service.name=checkout,deployment.environment=prod (key!=value excludes, healthy=false selects unhealthy agents)',
    )
    .option('--connected', 'only connected agents')
    .option('--offline', 'only offline agents')
    .option('--limit <n>', 'page size', '100')
    .option('--offset <n>', 'page start', '0')
    .action(
      async (o: {
        selector?: string;
        exclude: string[];
        unhealthy?: boolean;
        healthy?: boolean;
        connected?: boolean;
        offline?: boolean;
        limit: string;
        offset: string;
      }) => {
        const q = new URLSearchParams({ limit: o.limit, offset: o.offset });
        const selector = hasFilterFlags(o) ? selectorWithFlags(o) : o.selector;
        if (selector) q.set('selector', selector);
        if (o.connected) q.set('connected', 'true');
        if (o.offline) q.set('connected', 'false');
        const res = await ctx.client().get<{ total: number; agents: AgentSummary[] }>(`/api/agents?${q}`);
        if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
        ctx.out(
          table(
            ['UID', 'STATE', 'VIA', 'SERVICE', 'HEALTHY', 'LAST SEEN'],
            res.agents.map((a) => [
              a.uid,
              a.connected ? 'online' : 'offline',
              a.transport ?? '-',
              String(a.identifyingAttributes['service.name'] ?? '-'),
              a.healthy === null ? '-' : a.healthy ? 'yes' : 'no',
              ago(a.lastSeen),
            ]),
            res.total > 0
              ? `no agents on this page (${res.total} in all; lower --offset)`
              : selector || o.connected || o.offline
                ? 'no agents match'
                : 'no agents yet: connect one (see "Connecting agents" in the README), or start a simulated fleet with `ampgate demo`',
          ),
        );
        if (res.agents.length > 0) ctx.out(`${res.agents.length} of ${res.total} agents`);
      },
    )
    .addHelpText(
      'after',
      '\nExamples:\n  ampgate agents --connected\n  ampgate agents -s service.name=checkout --exclude deployment.environment=dev --unhealthy\n  ' +
        'ampgate --json agents --limit 1000',
    );

  program
    .command('agent')
    .description('show one agent in full (attributes, capabilities, health, effective config)')
    .argument('<uid>', 'agent instance uid (UUID), or a unique prefix of it')
    .action(async (input: string) => {
      const c = ctx.client();
      const a = await c.get<AgentDetail>(`/api/agents/${encodeURIComponent(await resolveAgentUid(c, input))}`);
      if (ctx.json()) return ctx.out(JSON.stringify(a, null, 2));
      const lines = [
        `uid:           ${a.uid}`,
        `state:         ${a.connected ? 'online' : 'offline'} via ${a.transport ?? '-'} (last seen ${ago(a.lastSeen)})`,
        `capabilities:  ${a.capabilities.join(', ') || '-'}`,
        `custom caps:   ${inline(a.customCapabilities.join(', ')) || '-'}`,
        `healthy:       ${a.healthy === null ? '-' : a.healthy}`,
        'identifying:',
        ...Object.entries(a.identifyingAttributes).map(([k, v]) => `  ${inline(k)} = ${inline(JSON.stringify(v))}`),
        'non-identifying:',
        ...Object.entries(a.nonIdentifyingAttributes).map(([k, v]) => `  ${inline(k)} = ${inline(JSON.stringify(v))}`),
        `remote config: ${
          a.remoteConfigStatus ? `${a.remoteConfigStatus.status} ${a.remoteConfigStatus.hash.slice(0, 12)} ${inline(a.remoteConfigStatus.errorMessage)}` : '-'
        }`,
        `effective config (${a.effectiveConfigHash?.slice(0, 12) ?? 'none'}):`,
      ];
      for (const [name, f] of Object.entries(a.effectiveConfig ?? {})) {
        lines.push(`--- ${inline(name || '(default)')} [${inline(f.contentType || 'unknown type')}]`, f.body);
      }
      ctx.out(lines.join('\n'));
    });
}
