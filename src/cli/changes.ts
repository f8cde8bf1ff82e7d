/**
 * @module `ampgate changes [list|show|propose|approve|reject|cancel]`: change requests through the
 * REST API with the caller's token. Roles and policy are enforced by the server.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { CHANGE_KINDS, TERMINAL_STATES, type ChangeRequest } from '../changes/types.js';
import type { ChangeSummary } from '../changes/views.js';
import { resolveAgentUids } from './agent-uids.js';
import { changeDetail, changesTable } from './changes-format.js';
import type { CliContext } from './context.js';
import { CliFailure, EXIT, UsageError } from './errors.js';
import { paramHelp } from './param-help.js';
import { addFilterFlags, hasFilterFlags, selectorWithFlags } from './selector-flags.js';

/** `--param k=v` (repeatable): the value is JSON when it parses (numbers, booleans), else the string. */
function collectParam(pair: string, prev: Record<string, unknown>): Record<string, unknown> {
  const i = pair.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('expected key=value');
  const raw = pair.slice(i + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...prev, [pair.slice(0, i)]: value };
}

function jsonObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('expected a JSON object');
  return v as Record<string, unknown>;
}

export function registerChangeCommands(program: Command, ctx: CliContext): void {
  const changes = program.command('changes').description('change requests: propose, review, approve, reject, cancel');
  registerList(changes, ctx);
  changes
    .command('show')
    .description('show one request in full: preview, targets, decisions, outcomes')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await ctx.client().get<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}`);
      ctx.out(ctx.json() ? JSON.stringify(r, null, 2) : changeDetail(r));
    });
  registerPropose(changes, ctx);
  registerDecisions(changes, ctx);
}

function registerList(changes: Command, ctx: CliContext): void {
  changes
    .command('list', { isDefault: true })
    .description('list change requests, newest first')
    .option('--state <states>', 'comma-separated states, e.g. pending,approved')
    .option('--open', 'only pending, approved and executing requests')
    .option('--kind <kind>', CHANGE_KINDS.join(' | '))
    .option('--mine', 'only requests I proposed')
    .option('--requester <key>', 'principal key, e.g. api_token:<id> or slack:U012ABC')
    .option('--limit <n>', 'page size', '50')
    .option('--offset <n>', 'page start', '0')
    .action(async (o: { state?: string; open?: boolean; kind?: string; mine?: boolean; requester?: string; limit: string; offset: string }) => {
      const q = new URLSearchParams({ limit: o.limit, offset: o.offset });
      const state = o.open ? 'pending,approved,executing' : o.state;
      if (state) q.set('state', state);
      if (o.kind) q.set('kind', o.kind);
      if (o.mine) q.set('requester', 'me');
      else if (o.requester) q.set('requester', o.requester);
      const res = await ctx.client().get<{ total: number; changes: ChangeSummary[] }>(`/api/changes?${q}`);
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      const filtered = state !== undefined || o.kind !== undefined || o.mine || o.requester !== undefined;
      const empty =
        res.total > 0
          ? `no requests on this page (${res.total} in all; lower --offset)`
          : filtered
            ? 'no change requests match'
            : 'no change requests yet: propose one with `ampgate changes propose`';
      ctx.out(changesTable(res.changes, empty));
      if (res.changes.length > 0) ctx.out(`${res.changes.length} of ${res.total} requests`);
    })
    .addHelpText(
      'after',
      '\nExamples:\n  ampgate changes --open\n  ampgate changes list --kind config_push --state succeeded,failed\n  ampgate --json changes list --mine',
    );
}

function registerPropose(changes: Command, ctx: CliContext): void {
  addFilterFlags(changes.command('propose'))
    .description('propose a change; it runs only after the required approvals')
    .argument('<kind>', CHANGE_KINDS.join(' | '))
    .option('--agents <uids>', 'comma-separated agent uids (each may be a unique prefix)')
    .option(
      '-s, --selector <selector>',
      'attribute selector, e.g. service.name=checkout,deployment.environment=prod (key!=value excludes, healthy=false selects unhealthy agents)',
    )
    .option('-p, --param <key=value>', 'a parameter (repeatable), e.g. --param config=otel-gateway --param version=3', collectParam, {})
    .option('--params <json>', 'parameters as a JSON object (merged under --param)', jsonObject)
    .requiredOption('-r, --reason <text>', 'why (approvers see it)')
    .option('--expires <minutes>', 'expiry in minutes (policy-bounded; default from policy, usually 30)')
    .addHelpText(
      'after',
      `\n${paramHelp()}\n\nExamples:\n` +
        '  ampgate changes propose restart --agents 0190f3c4 --reason "exporter stuck"      # a unique uid prefix is enough\n' +
        '  ampgate changes propose pause --selector service.name=checkout,deployment.environment=prod --reason "noisy"\n' +
        '  ampgate changes propose config_push -s service.name=checkout -p config=checkout-gw -p canary=2 --reason "bigger batches"\n' +
        '  ampgate changes propose restart -s deployment.environment=prod --exclude service.name=payments --unhealthy --reason "stuck"',
    )
    .action(
      async (
        kind: string,
        o: {
          agents?: string;
          selector?: string;
          exclude: string[];
          unhealthy?: boolean;
          healthy?: boolean;
          param: Record<string, unknown>;
          params?: Record<string, unknown>;
          reason: string;
          expires?: string;
        },
      ) => {
        const filtered = hasFilterFlags(o);
        if (o.agents !== undefined && filtered)
          throw new UsageError('--exclude, --healthy and --unhealthy narrow a --selector; they cannot be combined with --agents');
        const target =
          o.agents !== undefined ? { agents: await resolveAgentUids(ctx.client(), o.agents) } : { selector: filtered ? selectorWithFlags(o) : o.selector };
        const body = { kind, target, params: { ...o.params, ...o.param }, reason: o.reason, ...(o.expires ? { expiresInMinutes: Number(o.expires) } : {}) };
        const res = await ctx.client().post<{ request: ChangeRequest; existing: boolean }>('/api/changes', body);
        if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
        const r = res.request;
        ctx.out(res.existing ? `an identical request is already open: change ${r.id} (${r.state})` : `proposed change ${r.id}`);
        ctx.out(changeDetail(r));
        ctx.out(
          `\nneeds ${r.requiredApprovals} approval(s) from someone else, e.g.:\n  ampgate changes approve ${r.id} --fingerprint ${r.fingerprint.slice(0, 12)}`,
        );
      },
    );
}

function registerDecisions(changes: Command, ctx: CliContext): void {
  changes
    .command('approve')
    .description('approve a request (never your own); the last required approval starts it')
    .argument('<id>')
    .option('-c, --comment <text>', 'comment for the audit log')
    .option('--fingerprint <fp>', 'refuse unless the request has this fingerprint (full, or its first 12+ characters)')
    .option('--wait', 'wait until the change finished (or is held by a freeze) and show the result')
    .option('--wait-timeout <seconds>', 'give up waiting after this long', '600')
    .action(async (id: string, o: { comment?: string; fingerprint?: string; wait?: boolean; waitTimeout: string }) => {
      let r = await ctx.client().post<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}/approve`, { comment: o.comment, fingerprint: o.fingerprint });
      if (o.wait) r = await waitForEnd(ctx, r, Number(o.waitTimeout) * 1000);
      ctx.out(ctx.json() ? JSON.stringify(r, null, 2) : decisionLine(r, 'approved'));
      if (o.wait && (r.state === 'failed' || r.state === 'partially_failed')) process.exitCode = EXIT.failed;
    })
    .addHelpText(
      'after',
      '\nExamples:\n  ampgate changes approve 42 --fingerprint 1a2b3c4d5e6f --wait     # exits 1 if the change then fails\n  ampgate changes approve ' +
        '42 --comment "checked the diff"',
    );
  for (const [name, past, help] of [
    ['reject', 'rejected', 'reject a request (ends it)'],
    ['cancel', 'cancelled', 'cancel your own request (or any, as admin) before it runs'],
  ] as const) {
    changes
      .command(name)
      .description(help)
      .argument('<id>')
      .option('-c, --comment <text>', 'comment for the audit log')
      .action(async (id: string, o: { comment?: string }) => {
        const r = await ctx.client().post<ChangeRequest>(`/api/changes/${encodeURIComponent(id)}/${name}`, { comment: o.comment });
        ctx.out(ctx.json() ? JSON.stringify(r, null, 2) : decisionLine(r, past));
      });
  }
}

function decisionLine(r: ChangeRequest, verb: string): string {
  const n = r.approvals.filter((a) => a.decision === 'approve').length;
  const hold = r.hold && r.state === 'approved' ? `; held by change freeze "${r.hold.reason}" until ${r.hold.until ?? 'further notice'}` : '';
  const result = r.resultSummary && TERMINAL_STATES.has(r.state) ? `: ${r.resultSummary}` : '';
  return `change ${r.id} ${verb}; now ${r.state} (${n}/${r.requiredApprovals} approvals)${hold}${result}`;
}

async function waitForEnd(ctx: CliContext, r: ChangeRequest, timeoutMs: number): Promise<ChangeRequest> {
  const deadline = Date.now() + timeoutMs;
  while (!TERMINAL_STATES.has(r.state) && r.state !== 'pending' && !(r.state === 'approved' && r.hold)) {
    if (Date.now() > deadline) throw new CliFailure(`change ${r.id} is still ${r.state} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    r = await ctx.client().get<ChangeRequest>(`/api/changes/${encodeURIComponent(r.id)}`);
  }
  return r;
}
