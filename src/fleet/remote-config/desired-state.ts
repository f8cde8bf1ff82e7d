/**
 * @module Desired remote config per agent, held in memory over SQLite (agent_desired_config ->
 * config_attempts). Change executors assign configs here (durably, before anything is sent); the
 * RemoteConfigProvider offers what differs; agents' status reports move the attempts. Because the
 * desired state is loaded from SQLite at startup, agents are reconciled after a reconnect or a
 * server restart without any executor running.
 */
import { EventEmitter } from 'node:events';
import type { AgentRecord, ReportChanges } from '../agent-state.js';
import type { AgentRegistry } from '../registry.js';
import type { Logger } from '../../shared/log.js';
import type { UnitOfWork } from '../../store/ports/store.js';
import type { AttemptRow, AttemptStatus, RemoteConfigStore } from '../../store/ports/remote-config.js';
import { configMapHash, filesFromJson, filesToJson, toAgentConfigMap, type ConfigFiles } from '../configs/hash.js';
import type { AgentConfigMap } from '../../gen/opamp/v1/opamp_pb.js';
import { nextAttemptState } from './transitions.js';

export interface DesiredStateEvents {
  /** An attempt changed (assigned, offered, status reported, superseded, rolled back). */
  attempt: [attempt: AttemptRow];
}

type MutableAttempt = { -readonly [K in keyof AttemptRow]: AttemptRow[K] };

export class DesiredConfigs {
  readonly events = new EventEmitter<DesiredStateEvents>();
  readonly #desired = new Map<string, MutableAttempt>();
  readonly #payloads = new Map<string, { files: ConfigFiles; map: AgentConfigMap; label: string }>();
  readonly #dirty = new Set<MutableAttempt>();
  #flushTimer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  readonly #onReport = (agent: AgentRecord, changes: ReportChanges) => this.#observe(agent, changes);
  readonly #onRekey = (oldUid: string, agent: AgentRecord) => this.#rekey(oldUid, agent.uid);

  constructor(
    readonly repo: RemoteConfigStore,
    readonly uow: UnitOfWork,
    readonly registry: AgentRegistry,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {
    for (const a of repo.desiredAll()) this.#desired.set(a.uid, { ...a });
    registry.events.on('report', this.#onReport);
    registry.events.on('rekeyed', this.#onRekey);
    this.events.setMaxListeners(0);
  }

  close(): void {
    this.registry.events.off('report', this.#onReport);
    this.registry.events.off('rekeyed', this.#onRekey);
    this.flush();
  }

  get(uid: string): AttemptRow | undefined {
    return this.#desired.get(uid);
  }

  /** Number of agents with a desired config (for metrics and tests). */
  get size(): number {
    return this.#desired.size;
  }

  /** Registers a config map (idempotent) and returns its hash. */
  registerPayload(files: ConfigFiles, label: string): string {
    const hash = configMapHash(files);
    this.repo.putPayload(hash, filesToJson(files), label, this.now());
    return hash;
  }

  /** The files and label of a registered payload; undefined when unknown. */
  payload(hash: string): { files: ConfigFiles; map: AgentConfigMap; label: string } | undefined {
    let p = this.#payloads.get(hash);
    if (!p) {
      const row = this.repo.payload(hash);
      if (!row) return undefined;
      const files = filesFromJson(row.files);
      // Frozen: the map is shared by every offer of this hash, and the wire encoder reuses the
      // encoding of a frozen map (src/opamp/wire.ts).
      const map = toAgentConfigMap(files);
      for (const f of Object.values(map.configMap)) Object.freeze(f);
      Object.freeze(map.configMap);
      p = { files, map: Object.freeze(map), label: row.label };
      if (this.#payloads.size > 256) this.#payloads.clear();
      this.#payloads.set(hash, p);
    }
    return p;
  }

  /**
   * Makes `hash` the desired config of each agent, for change `changeId`, in one durable
   * transaction, and returns the new attempts. A previous attempt that had not settled is
   * superseded. Call Fleet.nudge afterwards to deliver to connected WebSocket agents now.
   */
  assign(entries: ReadonlyArray<{ uid: string; hash: string }>, changeId: string): AttemptRow[] {
    this.flush();
    const now = this.now();
    const known = new Set<string>(); // a rollout assigns one hash to thousands of agents: check it once
    const created = this.uow.durably(() =>
      entries.map(({ uid, hash }) => {
        if (!known.has(hash)) {
          if (!this.repo.payload(hash)) throw new Error(`unknown config payload ${hash}`);
          known.add(hash);
        }
        const prev = this.#desired.get(uid);
        if (prev && (prev.status === 'assigned' || prev.status === 'offered' || prev.status === 'applying')) {
          this.repo.update({ ...prev, status: 'superseded', updated_at: now });
        }
        return { prev, next: this.repo.assign(uid, hash, changeId, prev?.hash ?? null, now) };
      }),
    );
    for (const { prev, next } of created) {
      if (prev && (prev.status === 'assigned' || prev.status === 'offered' || prev.status === 'applying')) {
        prev.status = 'superseded';
        this.events.emit('attempt', { ...prev });
      }
      const mine = { ...next };
      this.#desired.set(next.uid, mine);
      this.events.emit('attempt', next);
      // An agent that already runs this exact config reports nothing new: settle it now.
      const agent = this.registry.get(next.uid);
      if (agent?.remoteConfigStatus?.hash === next.hash) this.#reconcile(agent, mine, true);
    }
    return created.map((c) => this.#desired.get(c.next.uid) ?? c.next);
  }

  /** Called by the provider when it puts the desired config into a message. */
  markOffered(uid: string): void {
    const a = this.#desired.get(uid);
    if (!a) return;
    a.offered_at = this.now();
    if (a.status === 'assigned') {
      a.status = 'offered';
      a.updated_at = a.offered_at;
      this.events.emit('attempt', { ...a });
    }
    this.#markDirty(a);
  }

  /** Marks attempts as rolled back (a rollback change replaced them); they are never re-offered. */
  markRolledBack(attemptIds: readonly number[], reason: string): void {
    const now = this.now();
    this.flush();
    const changed = this.uow.durably(() =>
      attemptIds.flatMap((id) => {
        const row = this.repo.attempt(id);
        if (!row || row.status === 'failed' || row.status === 'rolled_back') return [];
        const next = { ...row, status: 'rolled_back' as const, error: reason, updated_at: now };
        this.repo.update(next);
        return [next];
      }),
    );
    for (const a of changed) {
      const current = this.#desired.get(a.uid);
      if (current?.id === a.id) Object.assign(current, a);
      this.events.emit('attempt', a);
    }
  }

  /**
   * Takes what another replica wrote for these agents (the store's change feed; 'all' for every
   * agent): a newer attempt replaces this process's copy, and so do the same attempt's changes
   * unless this process has its own not yet written. Emits `attempt` for what changed.
   */
  reload(uids: readonly string[] | 'all'): AttemptRow[] {
    const rows = uids === 'all' ? this.repo.desiredAll() : this.repo.desiredFor(uids);
    const changed: AttemptRow[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.uid);
      const mine = this.#desired.get(row.uid);
      if (mine && mine.id === row.id && (this.#dirty.has(mine) || mine.updated_at > row.updated_at)) continue;
      if (mine && mine.id === row.id && sameAttempt(mine, row)) continue;
      if (mine) this.#dirty.delete(mine);
      if (mine && mine.id === row.id) Object.assign(mine, row);
      else this.#desired.set(row.uid, { ...row });
      changed.push(row);
    }
    if (uids !== 'all') for (const uid of uids) if (!seen.has(uid)) this.#desired.delete(uid);
    for (const a of changed) this.events.emit('attempt', a);
    return changed;
  }

  /** Writes pending offered marks now. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#dirty.size === 0) return;
    const batch = [...this.#dirty];
    this.#dirty.clear();
    this.uow.atomically(() => batch.forEach((a) => this.repo.update(a)));
  }

  #markDirty(a: MutableAttempt): void {
    this.#dirty.add(a);
    this.#flushTimer ??= setTimeout(() => this.flush(), 100).unref();
  }

  #observe(agent: AgentRecord, changes: ReportChanges): void {
    const a = this.#desired.get(agent.uid);
    if (!a || (!changes.remoteConfigStatus && !changes.effectiveConfig)) return;
    this.#reconcile(agent, a, changes.remoteConfigStatus);
  }

  /** Moves an attempt by the agent's reported status (and records the effective config that follows). */
  #reconcile(agent: AgentRecord, a: MutableAttempt, statusChanged: boolean): void {
    let changed = false;
    const next = statusChanged ? nextAttemptState(a, agent.remoteConfigStatus) : undefined;
    if (next) {
      a.status = next.status;
      a.error = next.error;
      changed = true;
      if (next.status === 'failed' || next.status === 'rolled_back') {
        this.logger.warn({ agent: agent.uid, hash: a.hash, status: next.status, error: next.error }, 'remote config not applied');
      }
    }
    // The effective config that follows an APPLIED status (same message or a later one).
    if (a.status === 'applied' && agent.effectiveConfigHash && agent.effectiveConfigHash !== a.effective_config_hash) {
      a.effective_config_hash = agent.effectiveConfigHash;
      changed = true;
    }
    if (!changed) return;
    a.updated_at = this.now();
    this.flushOne(a);
    this.events.emit('attempt', { ...a });
  }

  /**
   * Status changes matter for halting: written in the same event-loop turn, not on the 100 ms
   * timer of offered marks. Every report of one turn shares a transaction: when a rollout's 10k
   * agents answer at once, one commit per report (~45 µs each) would dominate the server's time.
   */
  flushOne(a: MutableAttempt): void {
    this.#dirty.add(a);
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      this.flush();
    });
  }

  #rekey(oldUid: string, newUid: string): void {
    const a = this.#desired.get(oldUid);
    if (!a) return;
    this.flush();
    this.repo.rekey(oldUid, newUid);
    this.#desired.delete(oldUid);
    a.uid = newUid;
    this.#desired.set(newUid, a);
  }
}

function sameAttempt(a: AttemptRow, b: AttemptRow): boolean {
  return a.status === b.status && a.updated_at === b.updated_at && a.offered_at === b.offered_at && a.effective_config_hash === b.effective_config_hash;
}

export type { AttemptRow, AttemptStatus };
