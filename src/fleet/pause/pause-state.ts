/**
 * @module Pause state per agent, in memory over SQLite (agent_pause), and the agent side of the
 * io.opentelemetry.pause custom capability: the agent answers `pause`/`resume` with type `status`
 * and JSON {"paused": true|false}, or type `error` and {"error": "..."} (OpAMP spec, custom
 * messages example).
 */
import { EventEmitter } from 'node:events';
import type { CustomMessage } from '../../gen/opamp/v1/opamp_pb.js';
import type { Logger } from '../../shared/log.js';
import type { UnitOfWork } from '../../store/ports/store.js';
import type { PauseStore, PauseRow } from '../../store/ports/pause.js';
import type { AttemptRow } from '../../store/ports/remote-config.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { AgentRecord, ReportChanges } from '../agent-state.js';
import { effectiveFiles } from '../configs/catalog.js';
import { stillRunning } from '../configs/still-running.js';
import type { AgentRegistry } from '../registry.js';

export const PAUSE_CAPABILITY = 'io.opentelemetry.pause';

export interface PauseEvents {
  /** The pause state of an agent changed (row updated or removed). */
  changed: [uid: string];
}

/** Parses the data of a `status` or `error` answer. */
function parsePauseAnswer(msg: Pick<CustomMessage, 'type' | 'data'>): { paused: boolean } | { error: string } | undefined {
  if (msg.type !== 'status' && msg.type !== 'error') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch {
    return { error: `the agent sent a malformed ${msg.type} message (not JSON)` };
  }
  const obj = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (msg.type === 'error')
    return { error: typeof obj.error === 'string' && obj.error ? obj.error.slice(0, 500) : 'the agent reported an error without a message' };
  if (typeof obj.paused !== 'boolean') return { error: 'the agent sent a status message without a boolean "paused"' };
  return { paused: obj.paused };
}

export class PauseState {
  readonly events = new EventEmitter<PauseEvents>();
  readonly #rows = new Map<string, PauseRow>();
  /** Last answer per agent (also kept after a resume removed the row). */
  readonly #reported = new Map<string, { paused: boolean } | { error: string }>();
  /** The effective config hash each agent reported when its stand-in pause began (memory only). */
  readonly #effectiveAtStart = new Map<string, string | undefined>();
  readonly #onCustom = (agent: AgentRecord, msg: CustomMessage) => this.#answer(agent, msg);
  #unwatch: (() => void) | undefined;

  constructor(
    readonly repo: PauseStore,
    readonly uow: UnitOfWork,
    readonly registry: AgentRegistry,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {
    for (const r of repo.all()) this.#rows.set(r.uid, r);
    registry.events.on('customMessage', this.#onCustom);
    this.events.setMaxListeners(0);
  }

  close(): void {
    this.registry.events.off('customMessage', this.#onCustom);
    this.#unwatch?.();
  }

  /**
   * Follows the stand-in config of agents paused without the custom capability. The pause is
   * confirmed only when the stand-in is APPLIED **and** the agent's effective config, reported
   * since the pause began, runs nothing (OpAMP spec, EffectiveConfig: what the agent actually
   * runs). An agent that merges remote config onto a local config reports APPLIED and keeps its
   * local pipelines: that pause is not effective and is reported as an error saying why. The
   * resume is confirmed when the prior config is APPLIED again.
   */
  watchConfigFallback(desired: { events: EventEmitter<{ attempt: [AttemptRow] }>; get(uid: string): AttemptRow | undefined }): void {
    const onAttempt = (a: AttemptRow) => {
      const row = this.#rows.get(a.uid);
      if (row?.method !== 'config' || a.change_id !== row.change_id) return;
      const ours = row.state === 'resuming' ? a.hash === row.prior_hash : a.hash === row.pause_hash;
      if (!ours) return;
      if (a.status === 'failed' || a.status === 'rolled_back') this.put([{ ...row, error: a.error, updated_at: this.now() }]);
      else if (a.status === 'applied' && row.state === 'pausing') this.#confirmStandIn(row);
      else if (a.status === 'applied' && row.state === 'resuming') this.remove(a.uid);
    };
    const onReport = (agent: AgentRecord, changes: ReportChanges) => {
      if (!changes.effectiveConfig && !changes.capabilities) return;
      const row = this.#rows.get(agent.uid);
      if (row?.method !== 'config' || row.state !== 'pausing' || row.error !== '') return;
      const a = desired.get(agent.uid);
      if (a?.change_id === row.change_id && a.hash === row.pause_hash && a.status === 'applied') this.#confirmStandIn(row);
    };
    desired.events.on('attempt', onAttempt);
    this.registry.events.on('report', onReport);
    this.#unwatch = () => {
      desired.events.off('attempt', onAttempt);
      this.registry.events.off('report', onReport);
    };
  }

  /** Remembers the effective config an agent runs as its stand-in pause begins. */
  noteStandInStart(uid: string, effectiveConfigHash: string | undefined): void {
    this.#effectiveAtStart.set(uid, effectiveConfigHash);
  }

  /** The stand-in is APPLIED: paused if the effective config proves nothing runs, else why not. */
  #confirmStandIn(row: PauseRow): void {
    const agent = this.registry.get(row.uid);
    if (!agent) return;
    let error = '';
    if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig)) {
      error =
        'not effective as far as ampgate can tell: the stand-in config was APPLIED, but the agent does not report its effective config ' +
        '(ReportsEffectiveConfig), so nothing proves that it stopped';
    } else {
      const files = effectiveFiles(agent);
      // Wait for the effective config the agent runs with the stand-in.
      if (!files || (this.#effectiveAtStart.has(row.uid) && this.#effectiveAtStart.get(row.uid) === agent.effectiveConfigHash)) return;
      const still = stillRunning(files);
      if (still.length > 0) {
        error =
          `not effective: the stand-in config was APPLIED, but the agent's effective config still runs ${still.join('; ')}; the agent merges ` +
          `remote config onto its local config, so a stand-in config cannot stop it`;
      }
    }
    this.#effectiveAtStart.delete(row.uid);
    if (error) {
      this.logger.warn({ agent: row.uid, error }, 'stand-in pause not effective');
      this.put([{ ...row, error, updated_at: this.now() }]);
    } else {
      this.put([{ ...row, state: 'paused', error: '', updated_at: this.now() }]);
    }
  }

  get(uid: string): PauseRow | undefined {
    return this.#rows.get(uid);
  }

  all(): PauseRow[] {
    return [...this.#rows.values()];
  }

  /** The last pause answer of the agent, if any. */
  reported(uid: string): { paused: boolean } | { error: string } | undefined {
    return this.#reported.get(uid);
  }

  /** Takes what another replica wrote for these agents (the store's change feed). */
  reload(uids: readonly string[] | 'all'): void {
    const rows = uids === 'all' ? this.repo.all() : this.repo.byUids(uids);
    const keep = new Set(rows.map((r) => r.uid));
    for (const uid of uids === 'all' ? [...this.#rows.keys()] : uids) {
      if (keep.has(uid) || !this.#rows.delete(uid)) continue;
      this.events.emit('changed', uid);
    }
    for (const r of rows) {
      const mine = this.#rows.get(r.uid);
      if (mine && mine.updated_at === r.updated_at && mine.state === r.state) continue;
      this.#rows.set(r.uid, r);
      this.events.emit('changed', r.uid);
    }
  }

  /** Writes rows (in the caller's transaction, if any) and updates memory. */
  put(rows: readonly PauseRow[]): void {
    this.uow.atomically(() => rows.forEach((r) => this.repo.upsert(r)));
    for (const r of rows) {
      this.#rows.set(r.uid, r);
      if (r.method === 'custom') this.#reported.delete(r.uid);
      this.events.emit('changed', r.uid);
    }
  }

  remove(uid: string): void {
    this.repo.delete(uid);
    this.#rows.delete(uid);
    this.events.emit('changed', uid);
  }

  #answer(agent: AgentRecord, msg: CustomMessage): void {
    if (msg.capability !== PAUSE_CAPABILITY) return;
    const answer = parsePauseAnswer(msg);
    if (!answer) return;
    this.#reported.set(agent.uid, answer);
    const row = this.#rows.get(agent.uid);
    if (row?.method === 'custom') {
      if ('error' in answer) {
        this.logger.warn({ agent: agent.uid, error: answer.error }, 'agent refused pause/resume');
        this.put([{ ...row, error: answer.error, updated_at: this.now() }]);
        return;
      }
      if (answer.paused && row.state === 'pausing') this.put([{ ...row, state: 'paused', error: '', updated_at: this.now() }]);
      else if (!answer.paused && row.state === 'resuming') this.remove(agent.uid);
      else this.events.emit('changed', agent.uid);
      return;
    }
    this.events.emit('changed', agent.uid);
  }
}
