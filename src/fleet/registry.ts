/**
 * @module The agent registry: every known agent in memory (the source of truth for reads), with
 * SQLite as write-behind persistence. Liveness (last seen, connected) stays in memory; a record is
 * written when a report changed something, and last_seen is batched at a slow cadence, so a
 * heartbeat never costs a database write (OpAMP spec, Agent Status Compression: most messages are
 * heartbeats that change nothing).
 */
import { EventEmitter } from 'node:events';
import type { AgentToServer, CustomMessage } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentRow, AgentsStore } from '../store/ports/agents.js';
import { agentFromRow, agentLiveness, agentToRow } from './agent-rows.js';
import { anyChange, applyReport, newAgentRecord, type AgentRecord, type ReportChanges, type Transport } from './agent-state.js';
import { matchesSelector, type SelectorClause } from './attributes.js';

export interface RegistryEvents {
  /** An agent (re)connected: a new WebSocket, or an HTTP poll after it was offline. */
  connected: [agent: AgentRecord];
  disconnected: [agent: AgentRecord];
  /** A report was merged; `changes` says which parts changed (possibly none). */
  report: [agent: AgentRecord, changes: ReportChanges, msg: AgentToServer];
  customMessage: [agent: AgentRecord, msg: CustomMessage];
  /** State moved from one uid to another (new_instance_uid). */
  rekeyed: [oldUid: string, agent: AgentRecord];
}

/** Rows per transaction of the periodic liveness write (~35 µs a row under load: ~7 ms a chunk, below a reply's tail). */
const LIVENESS_CHUNK = 200;

export interface RegistryOptions {
  /** Delay before dirty records are written, in ms. Default 100. */
  readonly flushDelayMs?: number;
  /** Cadence of the batched last_seen write, in ms. Default 60000. */
  readonly touchIntervalMs?: number;
  readonly now?: () => number;
  /**
   * HTTP agents count as connected for this long after their last poll (the liveness sweep's
   * timeout). Polling has no connection to lose, so a server restart does not disconnect them:
   * those that polled within this window before it are loaded as connected. Default: none are.
   */
  readonly httpLivenessMs?: number;
  /**
   * Write a connect or disconnect at once, as a whole record, instead of with the next batch of
   * liveness: set when several servers share the store and learn of each other's agents from it.
   * Default false.
   */
  readonly writeConnectionChanges?: boolean;
}

export interface AgentQuery {
  readonly selector?: readonly SelectorClause[];
  readonly connected?: boolean;
}

export class AgentRegistry {
  readonly events = new EventEmitter<RegistryEvents>();
  readonly #agents = new Map<string, AgentRecord>();
  readonly #dirty = new Set<AgentRecord>();
  readonly #touched = new Set<AgentRecord>();
  readonly #flushDelayMs: number;
  readonly #writeConnectionChanges: boolean;
  readonly #now: () => number;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #touchTimer: NodeJS.Timeout;
  /** Liveness rows taken from #touched and not written yet (chunked periodic write). */
  #livenessQueue: AgentRecord[] = [];
  #livenessImmediate: NodeJS.Immediate | undefined;
  #connectedCount = 0;
  /**
   * Agents whose record mirrors what another replica wrote (a store shared by several replicas):
   * this process never writes them, until the agent reports here.
   */
  readonly #remote = new Set<string>();

  constructor(
    private readonly repo: AgentsStore,
    opts: RegistryOptions = {},
  ) {
    this.#flushDelayMs = opts.flushDelayMs ?? 100;
    this.#writeConnectionChanges = opts.writeConnectionChanges ?? false;
    this.#now = opts.now ?? Date.now;
    for (const row of repo.loadAll()) this.#agents.set(row.uid, agentFromRow(row));
    if (opts.httpLivenessMs !== undefined) {
      for (const uid of repo.httpPolledSince(this.#now() - opts.httpLivenessMs)) {
        const rec = this.#agents.get(uid)!;
        rec.connected = true;
        rec.disconnectedAt = undefined;
        this.#connectedCount++;
      }
    }
    this.#touchTimer = setInterval(() => this.#flushLivenessInChunks(), opts.touchIntervalMs ?? 60_000);
    this.#touchTimer.unref();
    this.events.setMaxListeners(50);
  }

  get size(): number {
    return this.#agents.size;
  }

  get connectedCount(): number {
    return this.#connectedCount;
  }

  get(uid: string): AgentRecord | undefined {
    return this.#agents.get(uid);
  }

  /** Agents matching the query, sorted by uid for stable paging. */
  query(q: AgentQuery = {}): AgentRecord[] {
    const out: AgentRecord[] = [];
    for (const rec of this.#agents.values()) {
      if (q.connected !== undefined && rec.connected !== q.connected) continue;
      if (q.selector && !matchesSelector(q.selector, rec.attributes, rec.healthy)) continue;
      out.push(rec);
    }
    return out.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  }

  all(): IterableIterator<AgentRecord> {
    return this.#agents.values();
  }

  /**
   * Merges a report. Creates the record for an unknown uid. Marks the agent connected (emitting
   * `connected` on the transition) and refreshes liveness.
   */
  report(uid: string, msg: AgentToServer, transport: Transport): { agent: AgentRecord; changes: ReportChanges; isNew: boolean } {
    const now = this.#now();
    let agent = this.#agents.get(uid);
    const isNew = agent === undefined;
    if (!agent) {
      agent = newAgentRecord(uid, now);
      this.#agents.set(uid, agent);
    }
    if (this.#remote.delete(uid) && agent.connected) this.#setConnected(agent, false);
    const changes = applyReport(agent, msg);
    agent.lastSeen = now;
    const transportChanged = agent.transport !== transport;
    agent.transport = transport;
    if (isNew || anyChange(changes) || transportChanged) this.markDirty(agent);
    else this.#touched.add(agent);
    if (!agent.connected) this.#setConnected(agent, true);
    this.events.emit('report', agent, changes, msg);
    if (msg.customMessage) this.events.emit('customMessage', agent, msg.customMessage);
    return { agent, changes, isNew };
  }

  /** Liveness only (an HTTP poll or heartbeat that carried nothing new is still a sign of life). */
  touch(agent: AgentRecord): void {
    agent.lastSeen = this.#now();
    this.#touched.add(agent);
  }

  markDisconnected(uid: string): void {
    const agent = this.#agents.get(uid);
    if (agent?.connected) this.#setConnected(agent, false);
  }

  /**
   * Takes the rows another replica wrote (the store's change feed) as they are, except for agents
   * whose connection this process holds: what they report here is newer (a polling agent recorded
   * as disconnected is taken as such). Emits `connected` and
   * `disconnected` on transitions, so waiting executions see agents of every replica.
   */
  applyRemote(rows: readonly AgentRow[], gone: readonly string[] = []): void {
    for (const row of rows) {
      const mine = this.#agents.get(row.uid);
      // A polling agent has no connection here to be sure of: the cluster's sweep may end it.
      const sweptPoller = mine?.transport === 'http' && row.disconnected_at !== null;
      if (mine && !this.#remote.has(row.uid) && mine.connected && !sweptPoller) continue;
      const next = agentFromRow(row);
      const connected = row.disconnected_at === null;
      this.#dirty.delete(mine ?? next);
      this.#touched.delete(mine ?? next);
      if (mine) {
        const was = mine.connected;
        Object.assign(mine, next, { connected: was, disconnectedAt: was ? undefined : next.disconnectedAt });
        this.#remote.add(row.uid);
        if (was !== connected) this.#setConnected(mine, connected, row.disconnected_at ?? undefined);
      } else {
        this.#agents.set(row.uid, next);
        this.#remote.add(row.uid);
        if (connected) this.#setConnected(next, true);
      }
    }
    for (const uid of gone) {
      const mine = this.#agents.get(uid);
      if (!mine || !this.#remote.has(uid)) continue;
      if (mine.connected) this.#setConnected(mine, false);
      this.#agents.delete(uid);
      this.#remote.delete(uid);
    }
  }

  /** Whether this process holds the agent's record (it reported here), rather than another replica. */
  isLocal(uid: string): boolean {
    return this.#agents.has(uid) && !this.#remote.has(uid);
  }

  /** Moves a record to a new uid (the agent was told to use new_instance_uid). */
  rekey(oldUid: string, newUid: string): AgentRecord | undefined {
    const agent = this.#agents.get(oldUid);
    if (!agent || this.#agents.has(newUid)) return undefined;
    this.#agents.delete(oldUid);
    this.#dirty.delete(agent);
    this.#touched.delete(agent);
    this.repo.delete(oldUid);
    agent.uid = newUid;
    this.#agents.set(newUid, agent);
    this.markDirty(agent);
    this.events.emit('rekeyed', oldUid, agent);
    return agent;
  }

  markDirty(agent: AgentRecord): void {
    this.#dirty.add(agent);
    this.#touched.delete(agent);
    if (!this.#flushTimer) {
      this.#flushTimer = setTimeout(() => this.flush(), this.#flushDelayMs);
      this.#flushTimer.unref();
    }
  }

  /** Writes every dirty record now (one transaction). */
  flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#dirty.size === 0) return;
    const batch = [...this.#dirty].filter((a) => !this.#remote.has(a.uid));
    this.#dirty.clear();
    if (batch.length > 0) this.repo.saveMany(batch.map(agentToRow));
  }

  /** Writes last_seen/transport of agents that were only seen alive since the last batch. */
  flushLiveness(): void {
    clearImmediate(this.#livenessImmediate);
    this.#livenessImmediate = undefined;
    const batch = this.#livenessQueue;
    this.#livenessQueue = [];
    for (const agent of this.#touched) if (!this.#remote.has(agent.uid)) batch.push(agent);
    this.#touched.clear();
    if (batch.length > 0) this.repo.touchMany(batch.map(agentLiveness));
  }

  /**
   * Writes the liveness of HTTP agents only (their polls are all a shared store learns of them);
   * WebSocket agents wait for the periodic batch.
   */
  flushHttpLiveness(): void {
    const batch: AgentRecord[] = [];
    for (const agent of this.#touched) {
      if (agent.transport !== 'http' || this.#remote.has(agent.uid)) continue;
      batch.push(agent);
      this.#touched.delete(agent);
    }
    if (batch.length > 0) this.repo.touchMany(batch.map(agentLiveness));
  }

  /**
   * The periodic liveness write, in transactions of LIVENESS_CHUNK rows, one per event-loop turn:
   * written at once, 19,000 rows stalled the loop for ~0.2 s every minute.
   */
  #flushLivenessInChunks(): void {
    for (const agent of this.#touched) if (!this.#remote.has(agent.uid)) this.#livenessQueue.push(agent);
    this.#touched.clear();
    if (this.#livenessImmediate === undefined) this.#writeLivenessChunk();
  }

  #writeLivenessChunk(): void {
    this.#livenessImmediate = undefined;
    const chunk = this.#livenessQueue.splice(0, LIVENESS_CHUNK);
    if (chunk.length > 0) this.repo.touchMany(chunk.map(agentLiveness));
    if (this.#livenessQueue.length > 0) this.#livenessImmediate = setImmediate(() => this.#writeLivenessChunk());
  }

  /**
   * Flush everything and stop timers (graceful shutdown). WebSocket agents are recorded as
   * disconnected now (their connections end with the process); HTTP agents are not (see
   * RegistryOptions.httpLivenessMs): their last poll is written, and the next start decides.
   */
  close(): void {
    clearInterval(this.#touchTimer);
    const now = this.#now();
    for (const agent of this.#agents.values()) {
      if (agent.connected && agent.transport !== 'http' && !this.#remote.has(agent.uid)) {
        agent.connected = false;
        agent.disconnectedAt = now;
        this.#dirty.add(agent);
      }
    }
    this.#connectedCount = 0;
    this.flush();
    this.flushLiveness();
  }

  #setConnected(agent: AgentRecord, connected: boolean, at?: number): void {
    agent.connected = connected;
    this.#connectedCount += connected ? 1 : -1;
    agent.disconnectedAt = connected ? undefined : (at ?? this.#now());
    if (this.#writeConnectionChanges) this.markDirty(agent);
    else this.#touched.add(agent);
    this.events.emit(connected ? 'connected' : 'disconnected', agent);
  }
}
