/**
 * @module `ampgate rollouts [list|show|rollback]`: follow a config rollout per agent, and roll a
 * halted or finished one back (proposes new change requests; approvers decide as usual).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { inline } from '../shared/safe-text.js';
import { ago, table } from './format.js';

interface RolloutView {
  changeId: string;
  label: string;
  state: string;
  stage: number;
  stageCount: number;
  haltReason: string | null;
  counts: Record<string, number>;
  targets: Array<{ uid: string; stage: number; state: string; connected: boolean; outcome: { status: string; detail: string } }>;
}

export function registerRolloutCommands(program: Command, ctx: CliContext): void {
  const rollouts = program.command('rollouts').description('config rollouts (one per config_push change request)');

  rollouts.command('list', { isDefault: true }).action(async () => {
    const res = await ctx.client().get<{
      rollouts: Array<{ changeId: string; label: string; state: string; stage: number; stageCount: number; haltReason: string | null; startedAt: string }>;
    }>('/api/rollouts');
    if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
    ctx.out(
      table(
        ['CHANGE', 'CONFIG', 'STATE', 'STAGE', 'STARTED', 'HALT REASON'],
        res.rollouts.map((r) => [r.changeId, r.label, r.state, `${r.stage}/${r.stageCount}`, ago(r.startedAt), r.haltReason ?? '']),
        'no rollouts yet: a rollout starts when a change request is approved',
      ),
    );
  });

  rollouts
    .command('show')
    .argument('<changeId>')
    .action(async (id: string) => {
      const r = await ctx.client().get<RolloutView>(`/api/rollouts/${encodeURIComponent(id)}`);
      if (ctx.json()) return ctx.out(JSON.stringify(r, null, 2));
      ctx.out(`${r.label}: ${r.state}, stage ${r.stage}/${r.stageCount}${r.haltReason ? ` — halted: ${inline(r.haltReason)}` : ''}`);
      ctx.out(
        Object.entries(r.counts)
          .map(([k, n]) => `${k}: ${n}`)
          .join(', '),
      );
      ctx.out(
        table(
          ['UID', 'STAGE', 'STATE', 'ONLINE', 'DETAIL'],
          r.targets.map((t) => [t.uid, String(t.stage), t.state, t.connected ? 'yes' : 'no', t.outcome.detail]),
          '(no targets)',
        ),
      );
    });

  rollouts
    .command('rollback')
    .description('show the rollback proposal(s) of a rollout; with --propose, submit them as change requests')
    .argument('<changeId>')
    .option('--propose', 'propose them now (needs the proposer role)')
    .option('--reason <text>', 'replaces the generated reason')
    .action(async (id: string, o: { propose?: boolean; reason?: string }) => {
      const c = ctx.client();
      if (o.propose) {
        const res = await c.post<{
          requests: Array<{ request: { id: string; state: string; preview: { summary: string } }; existing: boolean }>;
          notCovered: Array<{ uid: string; reason: string }>;
        }>(`/api/rollouts/${encodeURIComponent(id)}/rollback`, { channel: 'cli', ...(o.reason ? { reason: o.reason } : {}) });
        if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
        for (const r of res.requests)
          ctx.out(`${r.existing ? 'already open' : 'proposed'}: change ${r.request.id} (${r.request.state}) ${inline(r.request.preview.summary)}`);
        for (const n of res.notCovered) ctx.out(`not covered: ${n.uid}: ${inline(n.reason)}`);
        return;
      }
      const plan = await c.get<{
        proposals: Array<{ target: { agents: string[] }; params: Record<string, unknown>; reason: string }>;
        notCovered: Array<{ uid: string; reason: string }>;
      }>(`/api/rollouts/${encodeURIComponent(id)}/rollback`);
      if (ctx.json()) return ctx.out(JSON.stringify(plan, null, 2));
      for (const p of plan.proposals) ctx.out(`config_push ${JSON.stringify(p.params)} to ${p.target.agents.length} agent(s)\n  reason: ${inline(p.reason)}`);
      for (const n of plan.notCovered) ctx.out(`not covered: ${n.uid}: ${inline(n.reason)}`);
      if (plan.proposals.length > 0) ctx.out('propose with: ampgate rollouts rollback <changeId> --propose');
    });
}
