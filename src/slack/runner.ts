/**
 * @module Carries out one intent for one Slack principal and renders the reply. Reads are answered
 * directly; proposals go to the ChangeService (never anything more); questions are asked back.
 */
import type { AgentDetail, AgentSummary } from '../api/views.js';
import type { Principal } from '../changes/principal.js';
import type { ChangeService } from '../changes/types.js';
import { AmpgateError } from '../errors.js';
import type { Intent } from '../intent/types.js';
import { agentDetailBlocks, agentList, esc, escBlock, requestList, shortId, type Block } from './blocks.js';
import { inline } from '../safe-text.js';
import { USAGE } from './commands.js';

/** Read access to the fleet and catalog for chat answers. */
export interface FleetReader {
  listAgents(selector: string | undefined, limit: number): { total: number; agents: AgentSummary[] };
  getAgent(uid: string): AgentDetail | undefined;
  listConfigs(): ReadonlyArray<{ name: string; latestVersion: number; contentType: string }>;
}

export interface Reply {
  readonly text: string;
  readonly blocks?: Block[];
  /** Visible to the channel (proposals) rather than only to the asker. */
  readonly public: boolean;
}

const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const OPEN = ['pending', 'approved', 'executing'] as const;

export class IntentRunner {
  constructor(
    private readonly changes: ChangeService,
    private readonly fleet: FleetReader,
  ) {}

  async run(intent: Intent, principal: Principal, ctx: { naturalLanguage: boolean; text: string }): Promise<Reply> {
    try {
      return await this.#run(intent, principal, ctx);
    } catch (err) {
      if (err instanceof AmpgateError) return { text: `:warning: ${err.message}`, blocks: [md(`:warning: ${escBlock(err.message)}`)], public: false };
      throw err;
    }
  }

  async #run(intent: Intent, principal: Principal, ctx: { naturalLanguage: boolean; text: string }): Promise<Reply> {
    switch (intent.type) {
      case 'question': {
        const choices = intent.choices?.length ? `\nOptions: ${intent.choices.slice(0, 20).map((c) => `\`${esc(c)}\``).join(', ')}` : '';
        return { text: intent.question, blocks: [md(`:thinking_face: ${esc(intent.question)}${choices}`)], public: false };
      }
      case 'read':
        return this.#read(intent);
      case 'proposal': {
        const { request, existing } = await this.changes.propose(principal, {
          kind: intent.kind,
          target: intent.target,
          params: intent.params,
          // Chat text may span lines; a reason is one line (control characters other than these are refused).
          reason: oneLine(intent.reason ?? `Requested in Slack by ${principal.name}: "${ctx.text.slice(0, 400)}"`),
          channel: 'slack',
        });
        const needs = request.requiredApprovals - request.approvals.filter((a) => a.decision === 'approve').length;
        const lines = [
          `${ctx.naturalLanguage ? `I understood: *${esc(intent.understood)}*\n` : ''}${existing ? 'This change is already proposed' : 'Proposed'} as change \`${shortId(request.id)}\` (${request.state}).`,
          `*${esc(request.preview.summary)}*`,
          `${request.targets.length} agent(s)${request.ineligible.length ? `, ${request.ineligible.length} ineligible (listed on the card)` : ''} · risk ${request.risk} · needs ${needs} approval(s) from on-call (not you) before ${request.expiresAt}.`,
          'Nothing has been sent to any agent yet.',
        ];
        return { text: `Proposed change ${shortId(request.id)}: ${inline(request.preview.summary)}`, blocks: [md(lines.join('\n'))], public: true };
      }
    }
  }

  #read(intent: Extract<Intent, { type: 'read' }>): Reply {
    switch (intent.action) {
      case 'help':
        return { text: 'ampgate commands', blocks: [md(USAGE)], public: false };
      case 'list_agents': {
        const { total, agents } = this.fleet.listAgents(intent.target?.selector, 20);
        return { text: `${total} agent(s)`, blocks: agentList(agents, total), public: false };
      }
      case 'show_agent': {
        const a = intent.id ? this.fleet.getAgent(intent.id) : undefined;
        return a ? { text: `agent ${a.uid}`, blocks: agentDetailBlocks(a), public: false } : { text: `No agent ${intent.id ?? ''}`, public: false };
      }
      case 'list_configs': {
        const cfgs = this.fleet.listConfigs();
        const lines = cfgs.map((c) => `• \`${esc(c.name)}\` v${c.latestVersion} (${esc(c.contentType)})`);
        return { text: `${cfgs.length} config(s)`, blocks: [md(cfgs.length ? `*Configs*\n${lines.join('\n')}` : 'The config catalog is empty.')], public: false };
      }
      case 'list_requests': {
        const { total, requests } = this.changes.list({ states: [...OPEN], limit: 20 });
        return { text: `${total} open change request(s)`, blocks: requestList(requests, total), public: false };
      }
      case 'show_request': {
        const r = this.#findRequest(intent.id ?? '');
        if (!r) return { text: `No change request ${intent.id ?? ''}`, public: false };
        return { text: `change ${r.id}`, blocks: requestList([r], 1), public: false };
      }
    }
  }

  /** Accepts full ids and the 8-character short ids shown in Slack. */
  #findRequest(id: string) {
    return this.changes.get(id) ?? this.changes.list({ limit: 500 }).requests.find((r) => r.id.startsWith(id));
  }
}

/** Line breaks and tabs of a chat message become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ');
}
