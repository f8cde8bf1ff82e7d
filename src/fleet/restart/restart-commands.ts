/**
 * @module Restart commands: durable per-agent requests (agent_commands), the 'command' phase offer
 * provider that sends ServerToAgentCommand Restart (only to agents with AcceptsRestartCommand in
 * their latest message, OpAMP spec, ServerToAgentCommand Message; Fleet.composeReplies makes it
 * travel alone), and the
 * observation of the restart:
 *
 * - the agent reconnects after the command (a new connection epoch), or
 * - its sequence_num starts over (lower than when the command was sent), or
 * - it reports a health start time later than the command.
 *
 * A command is sent at most once: it is marked 'sent' (durably) as it is put into the message, so
 * a restarted agent that reconnects is never told to restart again.
 */
import { EventEmitter } from 'node:events';
import { create } from '@bufbuild/protobuf';
import { AgentCapabilities, CommandType, ServerToAgentCommandSchema, type AgentToServer, type ServerToAgent } from '../../gen/opamp/v1/opamp_pb.js';
import type { Logger } from '../../shared/log.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { CommandRow, CommandsStore } from '../../store/ports/commands.js';
import type { AgentRecord, ReportChanges } from '../agent-state.js';
import type { OfferProvider, OutboundContext } from '../offers.js';
import type { AgentRegistry } from '../registry.js';

export interface RestartEvents {
  changed: [row: CommandRow];
}

export class RestartCommands implements OfferProvider {
  readonly name = 'restart-command';
  readonly phase = 'command' as const;
  readonly events = new EventEmitter<RestartEvents>();
  /** Open (pending or sent) commands by agent. */
  readonly #open = new Map<string, CommandRow>();
  /** sequence_num of each agent's latest message, to detect a restarted sequence. */
  readonly #lastSeq = new Map<string, bigint>();
  /** Commands sent by this process (a reconnect after a server restart proves nothing). */
  readonly #sentHere = new Set<number>();
  readonly #onReport = (agent: AgentRecord, _ch: ReportChanges, msg: AgentToServer) => this.#report(agent, msg);
  readonly #onConnected = (agent: AgentRecord) => this.#connected(agent);

  constructor(
    readonly repo: CommandsStore,
    readonly registry: AgentRegistry,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {
    for (const row of repo.open()) this.#open.set(row.uid, row);
    registry.events.on('report', this.#onReport);
    registry.events.on('connected', this.#onConnected);
    this.events.setMaxListeners(0);
  }

  close(): void {
    this.registry.events.off('report', this.#onReport);
    this.registry.events.off('connected', this.#onConnected);
  }

  /** Creates pending commands for a change; agents that already have an open one keep it. */
  request(changeId: string, uids: readonly string[]): void {
    this.repo.insertMany(changeId, uids, this.now());
    for (const row of this.repo.byChange(changeId)) if (row.status === 'pending' || row.status === 'sent') this.#open.set(row.uid, row);
  }

  /** Takes what another replica wrote for these agents (the store's change feed). */
  reload(uids: readonly string[] | 'all'): void {
    const rows = uids === 'all' ? this.repo.open() : this.repo.openFor(uids);
    const open = new Map(rows.map((r) => [r.uid, r]));
    for (const uid of uids === 'all' ? [...this.#open.keys()] : uids) {
      const mine = this.#open.get(uid);
      const row = open.get(uid);
      if (mine && (!row || row.id !== mine.id || row.status !== mine.status)) {
        this.#open.delete(uid);
        const after = this.repo.byChange(mine.change_id).find((r) => r.id === mine.id);
        if (after) this.events.emit('changed', after);
      }
    }
    for (const r of rows) {
      const mine = this.#open.get(r.uid);
      if (mine?.id === r.id && mine.status === r.status) continue;
      this.#open.set(r.uid, r);
      this.events.emit('changed', r);
    }
  }

  byChange(changeId: string): CommandRow[] {
    return this.repo.byChange(changeId);
  }

  contribute(agent: AgentRecord, msg: ServerToAgent, _ctx: OutboundContext): void {
    const row = this.#open.get(agent.uid);
    if (row?.status !== 'pending') return;
    if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRestartCommand)) return;
    msg.command = create(ServerToAgentCommandSchema, { type: CommandType.CommandType_Restart });
    const seq = this.#lastSeq.get(agent.uid);
    this.#sentHere.add(row.id);
    this.#set(row, { status: 'sent', sent_at: this.now(), seq_at_send: seq === undefined ? null : seq.toString(), detail: 'Restart sent' });
    this.logger.info({ agent: agent.uid, change: row.change_id }, 'restart command sent');
  }

  /** Ends open commands of a change: never sent -> expired, sent but not observed -> failed. */
  expire(changeId: string, timeoutSeconds: number): void {
    for (const row of this.repo.byChange(changeId)) {
      if (row.status === 'pending')
        this.#set(row, {
          status: 'expired',
          detail: `not delivered within ${timeoutSeconds} s (agent offline or lacking AcceptsRestartCommand); dropped, never sent late`,
        });
      else if (row.status === 'sent') this.#set(row, { status: 'failed', detail: `Restart sent, but no reconnect or fresh status within ${timeoutSeconds} s` });
    }
  }

  #report(agent: AgentRecord, msg: AgentToServer): void {
    const row = this.#open.get(agent.uid);
    if (row?.status === 'sent') {
      const before = row.seq_at_send === null ? undefined : BigInt(row.seq_at_send);
      const sentNs = BigInt(row.sent_at!) * 1_000_000n;
      if (before !== undefined && (msg.sequenceNum < before || (msg.sequenceNum === before && msg.agentDescription !== undefined))) {
        this.#set(row, { status: 'confirmed', detail: `restarted (sequence_num started over at ${msg.sequenceNum})` });
      } else if (msg.health && msg.health.startTimeUnixNano > sentNs) {
        this.#set(row, { status: 'confirmed', detail: 'restarted (reported a new start time)' });
      }
    }
    this.#lastSeq.set(agent.uid, msg.sequenceNum);
  }

  #connected(agent: AgentRecord): void {
    const row = this.#open.get(agent.uid);
    if (row?.status === 'sent' && this.#sentHere.has(row.id)) this.#set(row, { status: 'confirmed', detail: 'restarted (reconnected after the command)' });
  }

  #set(row: CommandRow, patch: Partial<CommandRow>): void {
    const next: CommandRow = { ...row, ...patch, updated_at: this.now() };
    this.repo.update(next);
    if (next.status === 'pending' || next.status === 'sent') this.#open.set(next.uid, next);
    else if (this.#open.get(next.uid)?.id === next.id) this.#open.delete(next.uid);
    this.events.emit('changed', next);
  }
}
