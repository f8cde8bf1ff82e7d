/**
 * @module Carries out one intent for one Slack principal and renders the reply. Reads are answered
 * directly; proposals go to the ChangeService (never anything more); questions are asked back,
 * with a button per "did you mean" rewrite; refusals say why. Every reply to a natural-language
 * request quotes the original text and restates what was understood from the exact result.
 */
import type { AgentDetail, AgentSummary } from '../api/views.js';
import type { Principal } from '../changes/principal.js';
import type { ChangeRequest, ChangeService, ChangeState } from '../changes/types.js';
import { AmpgateError } from '../shared/errors.js';
import { describeTarget, targetText } from '../fleet/target-words.js';
import { describeRead } from '../intent/describe.js';
import type { Intent, Period, QuestionIntent } from '../intent/types.js';
import { agentDetailBlocks, agentList, esc, escBlock, requestList, restatement, shortId, type Block } from './blocks.js';
import { LIMITS } from './block-limits.js';
import { inline } from '../shared/safe-text.js';
import { USAGE } from './commands.js';

/** Read access to the fleet and catalog for chat answers. */
export interface FleetReader {
  listAgents(selector: string | undefined, limit: number, connected?: boolean): { total: number; agents: AgentSummary[] };
  getAgent(uid: string): AgentDetail | undefined;
  listConfigs(): ReadonlyArray<{ name: string; latestVersion: number; contentType: string }>;
}

export interface Reply {
  readonly text: string;
  readonly blocks?: Block[];
  /** Visible to the channel (proposals) rather than only to the asker. */
  readonly public: boolean;
}

export interface RunContext {
  readonly naturalLanguage: boolean;
  readonly text: string;
  /** The Slack user id, bound into "did you mean" buttons so only they can confirm. */
  readonly user?: string;
}

/** action_id of the "did you mean" buttons; the value is {"u": user, "t": rewritten text}. */
export const RETRY_ACTION = 'intent_retry';

const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const OPEN: ChangeState[] = ['pending', 'approved', 'executing'];
const quote = (text: string) => `You asked: “${esc(text.slice(0, 400))}”`;

export class IntentRunner {
  constructor(
    private readonly changes: ChangeService,
    private readonly fleet: FleetReader,
    private readonly now: () => number = Date.now,
  ) {}

  async run(intent: Intent, principal: Principal, ctx: RunContext): Promise<Reply> {
    try {
      return await this.#run(intent, principal, ctx);
    } catch (err) {
      if (err instanceof AmpgateError) return { text: `:warning: ${err.message}`, blocks: [md(`:warning: ${escBlock(err.message)}`)], public: false };
      throw err;
    }
  }

  async #run(intent: Intent, principal: Principal, ctx: RunContext): Promise<Reply> {
    switch (intent.type) {
      case 'question':
        return questionReply(intent, ctx);
      case 'refusal':
        return { text: intent.reason, blocks: [md(`:no_entry: ${esc(intent.reason)}`)], public: false };
      case 'read':
        return this.#read(intent, ctx);
      case 'proposal': {
        const reason = ctx.naturalLanguage
          ? intent.reason
            ? `${intent.reason} (asked in Slack by ${principal.name}: "${ctx.text.slice(0, 400)}")`
            : `Requested in Slack by ${principal.name}: "${ctx.text.slice(0, 400)}"`
          : (intent.reason ?? `Requested in Slack by ${principal.name}: "${ctx.text.slice(0, 400)}"`);
        // Chat text may span lines; a reason is one line (control characters other than these are refused).
        const { request, existing } = await this.changes.propose(principal, {
          kind: intent.kind,
          target: intent.target,
          params: intent.params,
          reason: oneLine(reason),
          channel: 'slack',
        });
        const needs = request.requiredApprovals - request.approvals.filter((a) => a.decision === 'approve').length;
        const lines = [
          ...(ctx.naturalLanguage ? [quote(ctx.text), `I understood: *${esc(restatement(request))}*`] : [`*${esc(restatement(request))}*`]),
          `${existing ? 'This change is already proposed' : 'Proposed'} as change \`${shortId(request.id)}\` (${request.state}).`,
          `*${esc(request.preview.summary)}*`,
          `${request.targets.length} agent(s)${request.ineligible.length ? `, ${request.ineligible.length} ineligible (listed on the card)` : ''} · ` +
            `risk ${request.risk} · needs ${needs} approval(s) from on-call (not you) before ${request.expiresAt}.`,
          'Nothing has been sent to any agent yet.',
        ];
        return {
          text: `Proposed change ${shortId(request.id)}: ${inline(request.preview.summary)} — ${inline(restatement(request))}`,
          blocks: [md(lines.join('\n'))],
          public: true,
        };
      }
    }
  }

  #read(intent: Extract<Intent, { type: 'read' }>, ctx: RunContext): Reply {
    const head = ctx.naturalLanguage ? [md(`${quote(ctx.text)}\nI understood: *${esc(describeRead(intent))}*`)] : [];
    const reply = (text: string, blocks: Block[]): Reply => ({ text, blocks: [...head, ...blocks], public: false });
    switch (intent.action) {
      case 'help':
        return { text: 'ampgate commands', blocks: [md(USAGE)], public: false };
      case 'list_agents': {
        const selector = intent.target?.selector;
        const { total, agents } = this.fleet.listAgents(selector, 20, intent.connected);
        const what = intent.target ? `${describeTarget(intent.target)} (\`${esc(targetText(intent.target))}\`)` : 'every agent';
        const conn = intent.connected === undefined ? '' : intent.connected ? ', connected' : ', offline';
        return reply(`${total} agent(s)`, [md(`_${what}${conn}_`), ...agentList(agents, total)]);
      }
      case 'show_agent': {
        const a = intent.id ? this.fleet.getAgent(intent.id) : undefined;
        return a ? reply(`agent ${a.uid}`, agentDetailBlocks(a)) : reply(`No agent ${intent.id ?? ''}`, [md(`No agent \`${esc(intent.id ?? '')}\`.`)]);
      }
      case 'list_configs': {
        const cfgs = this.fleet.listConfigs();
        const lines = cfgs.map((c) => `• \`${esc(c.name)}\` v${c.latestVersion} (${esc(c.contentType)})`);
        return reply(`${cfgs.length} config(s)`, [md(cfgs.length ? `*Configs*\n${lines.join('\n')}` : 'The config catalog is empty.')]);
      }
      case 'list_requests':
        return this.#listRequests(intent, reply);
      case 'show_request': {
        const r = this.#findRequest(intent.id ?? '');
        if (!r) return reply(`No change request ${intent.id ?? ''}`, [md(`No change request \`${esc(intent.id ?? '')}\`.`)]);
        return reply(`change ${r.id}`, [
          ...requestList([r], 1),
          md(`*Target:* ${esc(restatement(r))}${r.resultSummary ? `\n*Result:* ${esc(r.resultSummary)}` : ''}`),
        ]);
      }
    }
  }

  #listRequests(intent: Extract<Intent, { type: 'read' }>, reply: (text: string, blocks: Block[]) => Reply): Reply {
    const window = intent.period ? periodWindow(intent.period, this.now()) : undefined;
    const { total, requests } = this.changes.list({
      ...(intent.open ? { states: OPEN } : {}),
      ...(window ? { createdAfter: window.from, ...(window.to !== undefined ? { createdBefore: window.to } : {}) } : {}),
      limit: intent.target ? 500 : 20,
    });
    let shown: readonly ChangeRequest[] = requests;
    let count = total;
    if (intent.target?.selector !== undefined) {
      // Requests that touched an agent the selector names now.
      const uids = new Set(this.fleet.listAgents(intent.target.selector, 100_000).agents.map((a) => a.uid));
      shown = requests.filter((r) => r.targets.some((u) => uids.has(u)));
      count = shown.length;
    }
    const scope = window ? `_${esc(window.label)}_` : '';
    return reply(`${count} change request(s)`, [...(scope ? [md(scope)] : []), ...requestList(shown, count)]);
  }

  /** Accepts full ids and the 8-character short ids shown in Slack. */
  #findRequest(id: string) {
    return this.changes.get(id) ?? this.changes.list({ limit: 500 }).requests.find((r) => r.id.startsWith(id));
  }
}

function questionReply(intent: QuestionIntent, ctx: RunContext): Reply {
  const choices = intent.choices?.length
    ? `\nOptions: ${intent.choices
        .slice(0, 20)
        .map((c) => `\`${esc(c)}\``)
        .join(', ')}`
    : '';
  const blocks: Block[] = [md(`:thinking_face: ${esc(intent.question)}${choices}`)];
  if (intent.retry?.length && ctx.user) {
    blocks.push({
      type: 'actions',
      block_id: 'intent_retry',
      // A value cut to Slack's 2000 characters would no longer parse: such a button is left out
      // (the question still says what to type), and the button text is fitted with the blocks.
      elements: intent.retry
        .slice(0, 5)
        .map((r, i) => ({
          type: 'button',
          action_id: `${RETRY_ACTION}_${i}`,
          text: { type: 'plain_text', text: r.label },
          value: JSON.stringify({ u: ctx.user, t: r.text }),
        }))
        .filter((b) => b.value.length <= LIMITS.buttonValue),
    });
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'A click sends the corrected text through the parser again; nothing is proposed before that.' }],
    });
  }
  return { text: intent.question, blocks, public: false };
}

/** The UTC window of a period word, with a label that says it. */
export function periodWindow(period: Period, now: number): { from: number; to?: number; label: string } {
  const day = 86_400_000;
  const today = Math.floor(now / day) * day;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  switch (period) {
    case 'today':
      return { from: today, label: `since ${iso(today)}` };
    case 'yesterday':
      return { from: today - day, to: today, label: `from ${iso(today - day)} to ${iso(today)}` };
    case 'since_yesterday':
      return { from: today - day, label: `since ${iso(today - day)}` };
    case 'last_hour':
      return { from: now - 3_600_000, label: `since ${iso(now - 3_600_000)}` };
    case 'last_24h':
      return { from: now - day, label: `since ${iso(now - day)}` };
    case 'this_week': {
      const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * day;
      return { from: monday, label: `since ${iso(monday)} (Monday)` };
    }
    case 'last_7d':
      return { from: now - 7 * day, label: `since ${iso(now - 7 * day)}` };
  }
}

/** Line breaks and tabs of a chat message become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ');
}
