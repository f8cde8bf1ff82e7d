/**
 * @module Which credential each agent's connection authenticated with, and waiting on it. The
 * connection-settings provider reports the AgentAuth of every reply's link here; rotations wait
 * until their agent talks over a connection authenticated with the new credential (the only proof
 * that works for agents that do not report connection_settings_status).
 */
import type { AgentRecord } from '../fleet/agent-state.js';
import type { AgentAuth } from '../fleet/link.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { OffersStore } from '../store/ports/offers.js';

export interface AuthObservation {
  readonly method: AgentAuth['method'];
  readonly credentialId: string | undefined;
  readonly at: number;
  /** Observed by this process (false: remembered from before a restart). */
  readonly fresh: boolean;
}

/**
 * Decides a wait: undefined keeps waiting. Called on every observation and status change of the
 * agent, once at the start, and with `final` at the deadline, where it must return a value.
 */
export type Evaluate<T> = (agent: AgentRecord | undefined, auth: AuthObservation | undefined, final: boolean) => T | undefined;

interface Waiter {
  uid: string;
  run(final: boolean): boolean;
}

export class AuthTracker {
  readonly #fresh = new Map<string, AuthObservation>();
  readonly #waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly registry: AgentRegistry,
    private readonly repo: OffersStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** How the connection carrying `agent`'s latest message authenticated (called for every reply). */
  observe(agent: AgentRecord, auth: AgentAuth): void {
    const prev = this.#fresh.get(agent.uid);
    if (!prev || prev.credentialId !== auth.credentialId || prev.method !== auth.method) {
      const at = this.now();
      this.#fresh.set(agent.uid, { method: auth.method, credentialId: auth.credentialId, at, fresh: true });
      this.repo.recordAuth(agent.uid, auth.method, auth.credentialId ?? null, at);
    }
    this.poke(agent.uid);
  }

  /** The agent's latest known authentication, fresh or remembered from the database. */
  current(uid: string): AuthObservation | undefined {
    const fresh = this.#fresh.get(uid);
    if (fresh) return fresh;
    const row = this.repo.authSeen(uid);
    if (!row) return undefined;
    return { method: row.method as AgentAuth['method'], credentialId: row.credential_id ?? undefined, at: row.seen_at, fresh: false };
  }

  /**
   * Another process sharing the store (a replica) saw these agents authenticate: what it recorded
   * replaces what this process saw last, and their waits decide again (a rotation offered here
   * completes when the agent reconnects to another replica with the new credential).
   */
  changedElsewhere(uids: readonly string[] | 'all'): void {
    const keys = uids === 'all' ? [...this.#waiters.keys()] : uids;
    if (uids === 'all') this.#fresh.clear();
    for (const uid of keys) {
      const mine = this.#fresh.get(uid);
      const stored = this.repo.authSeen(uid);
      // Ours is newer when this process saw the agent after the other replica did.
      if (mine && stored && mine.at <= stored.seen_at) this.#fresh.delete(uid);
      this.poke(uid);
    }
  }

  /** Re-evaluates the waits of one agent (its status changed). */
  poke(uid: string): void {
    const set = this.#waiters.get(uid);
    if (!set) return;
    for (const w of [...set]) w.run(false);
  }

  /** Resolves with the first decision of `evaluate`, or 'aborted' when `signal` fires first. */
  until<T>(uid: string, evaluate: Evaluate<T>, deadline: number, signal?: AbortSignal): Promise<T | 'aborted'> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (value: T | 'aborted') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.get(waiter.uid)?.delete(waiter);
        if (this.#waiters.get(waiter.uid)?.size === 0) this.#waiters.delete(waiter.uid);
        resolve(value);
      };
      const waiter: Waiter = {
        uid,
        run: (final) => {
          const value = evaluate(this.registry.get(waiter.uid), this.current(waiter.uid), final);
          if (value === undefined && !final) return false;
          finish(value as T);
          return true;
        },
      };
      const onAbort = () => finish('aborted');
      if (signal?.aborted) return resolve('aborted');
      if (waiter.run(false)) return;
      let set = this.#waiters.get(uid);
      if (!set) this.#waiters.set(uid, (set = new Set()));
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => waiter.run(true), Math.max(0, deadline - this.now()));
      timer.unref();
    });
  }

  /** State moves with the agent when it gets a new instance uid. */
  rekey(oldUid: string, newUid: string): void {
    const obs = this.#fresh.get(oldUid);
    this.#fresh.delete(oldUid);
    if (obs) this.#fresh.set(newUid, obs);
    const set = this.#waiters.get(oldUid);
    this.#waiters.delete(oldUid);
    if (!set) return;
    for (const w of set) w.uid = newUid;
    const target = this.#waiters.get(newUid) ?? new Set();
    for (const w of set) target.add(w);
    this.#waiters.set(newUid, target);
  }

  /** Number of waits in progress (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }
}
