/**
 * @module The cluster side of the PostgreSQL store (ClusterPort): one extra database session per
 * replica, on the main thread, that
 * - registers the replica and holds its advisory lock for as long as the process lives (the
 *   database releases it when the session ends, so "alive" needs no heartbeat or clock);
 * - LISTENs to the change feed and hands other replicas' notes to subscribers, coalesced per
 *   event-loop turn and in a fixed topic order;
 * - runs periodic jobs on one replica at a time: each job has an advisory lock, taken by whichever
 *   replica asks first and kept until its session ends, so a job moves to a survivor when its
 *   replica dies.
 * Losing this session means losing the locks: the replica reports itself lost and must stop.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { FEED_CHANNEL } from './bridge-protocol.js';
import { LOCK_NAMESPACE, type SyncPg } from './bridge.js';
import { decodeFeed } from './feed.js';
import { LIVE_LOCK_KEYS, LIVE_REPLICAS, REPLICA_LOCK_NAMESPACE } from './liveness-sql.js';
import type { ClusterJob, ClusterPort, FeedListener, FeedTopic, ReplicaInfo } from '../ports/cluster.js';

/** Order in which one turn's notes are applied: an agent's rows before the state that refers to them. */
const TOPIC_ORDER: readonly FeedTopic[] = ['agent', 'credential', 'api_token', 'auth', 'offer', 'pause', 'command', 'rotation', 'attempt', 'change'];

/** Advisory lock of a job: a stable number from its name, away from the fixed locks. */
function jobLockKey(name: string): number {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return 1_000 + (h % 1_000_000_000);
}

interface Held {
  readonly job: ClusterJob;
  readonly key: number;
  held: boolean;
  running: boolean;
  timer: NodeJS.Timeout;
}

export interface PgClusterOptions {
  readonly now?: () => number;
  /** Reports a job (or a feed subscriber) that threw; the job runs again on its next tick. */
  readonly onJobError?: (job: string, err: unknown) => void;
}

export class PgCluster implements ClusterPort {
  readonly replicaId: string;
  readonly #client: pg.Client;
  readonly #pg: SyncPg;
  readonly #listeners = new Set<FeedListener>();
  readonly #lost = new Set<(err: Error) => void>();
  readonly #jobs = new Map<string, Held>();
  readonly #pending = new Map<FeedTopic, Set<string> | 'all'>();
  readonly #opts: PgClusterOptions;
  /** The session's queries, one at a time (pg queues them itself, but that is deprecated). */
  #queue: Promise<unknown> = Promise.resolve();
  #flushScheduled = false;
  #closed = false;
  #lostErr: Error | undefined;

  private constructor(client: pg.Client, syncPg: SyncPg, replicaId: string, opts: PgClusterOptions) {
    this.#client = client;
    this.#pg = syncPg;
    this.replicaId = replicaId;
    this.#opts = opts;
    client.on('notification', (n) => this.#onNotification(n.channel, n.payload));
    client.on('error', (err) => this.#fail(err));
    client.on('end', () => this.#fail(new Error('the database session of this replica ended')));
  }

  /** Registers a new replica on `url` and takes its lock; its id is random and never reused. */
  static async join(url: string, syncPg: SyncPg, opts: PgClusterOptions = {}): Promise<PgCluster> {
    const client = new pg.Client({ connectionString: url, application_name: 'ampgate-replica', keepAlive: true });
    await client.connect();
    const id = `${
      hostname()
        .replace(/[^A-Za-z0-9.-]/g, '')
        .slice(0, 40) || 'replica'
    }-${randomBytes(4).toString('hex')}`;
    const now = (opts.now ?? Date.now)();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, 1)', [LOCK_NAMESPACE]);
      const { rows } = await client.query<{ key: string }>(
        `INSERT INTO replicas (id, lock_key, host, pid, started_at)
         SELECT $1, coalesce(max(lock_key), 0) + 1, $2, $3, $4 FROM replicas RETURNING lock_key AS key`,
        [id, hostname(), process.pid, now],
      );
      const key = Number(rows[0]!.key);
      await client.query('SELECT pg_advisory_lock($1, $2)', [REPLICA_LOCK_NAMESPACE, key]);
      await client.query('COMMIT');
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return new PgCluster(client, syncPg, id, opts);
  }

  onChange(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onLost(listener: (err: Error) => void): void {
    if (this.#lostErr) listener(this.#lostErr);
    else this.#lost.add(listener);
  }

  schedule(job: ClusterJob): () => void {
    if (this.#jobs.has(job.name)) throw new Error(`cluster job ${job.name} is already scheduled`);
    const held: Held = { job, key: jobLockKey(job.name), held: false, running: false, timer: setInterval(() => void this.#tick(held), job.everyMs) };
    held.timer.unref();
    this.#jobs.set(job.name, held);
    void this.#tick(held);
    return () => {
      clearInterval(held.timer);
      this.#jobs.delete(job.name);
      if (held.held && !this.#closed) void this.#query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, held.key]).catch(() => undefined);
    };
  }

  heldJobs(): string[] {
    return [...this.#jobs.values()].filter((h) => h.held).map((h) => h.job.name);
  }

  replicas(): ReplicaInfo[] {
    const rows = this.#pg.rows<{
      id: string;
      host: string;
      pid: number;
      started_at: number;
      opamp_url: string | null;
      control_url: string | null;
      alive: boolean;
    }>(
      `SELECT r.*, r.lock_key IN (${LIVE_LOCK_KEYS}) AS alive FROM replicas r
       WHERE r.stopped_at IS NULL OR r.lock_key IN (${LIVE_LOCK_KEYS}) ORDER BY r.started_at DESC, r.id LIMIT 100`,
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      startedAt: r.started_at,
      opampUrl: r.opamp_url,
      controlUrl: r.control_url,
      alive: r.alive,
      self: r.id === this.replicaId,
    }));
  }

  advertise(urls: { readonly opampUrl: string; readonly controlUrl: string }): void {
    this.#pg.run('UPDATE replicas SET opamp_url = $2, control_url = $3 WHERE id = $1', [this.replicaId, urls.opampUrl, urls.controlUrl]);
  }

  releaseDeadReplicas(now: number): string[] {
    return this.#pg.atomically(() => {
      this.#pg.defer(`UPDATE replicas SET stopped_at = $1 WHERE stopped_at IS NULL AND id NOT IN (${LIVE_REPLICAS})`, [now]);
      const uids = this.#pg
        .rows<{ uid: string }>(
          `UPDATE agents SET disconnected_at = $1, replica = NULL WHERE replica IS NOT NULL AND replica NOT IN (${LIVE_REPLICAS}) RETURNING uid`,
          [now],
        )
        .map((r) => r.uid);
      if (uids.length > 0) this.#pg.note('agent', uids);
      return uids;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const h of this.#jobs.values()) clearInterval(h.timer);
    this.#jobs.clear();
    this.#client.removeAllListeners('end');
    this.#client.removeAllListeners('error');
    this.#client.on('error', () => undefined);
    try {
      await this.#query('UPDATE replicas SET stopped_at = $2 WHERE id = $1', [this.replicaId, (this.#opts.now ?? Date.now)()]);
    } catch {
      // The session is gone already; the replica counts as stopped since its lock is released.
    }
    await this.#client.end().catch(() => undefined);
  }

  async #tick(h: Held): Promise<void> {
    if (this.#closed || this.#lostErr || h.running) return;
    h.running = true;
    try {
      if (!h.held) {
        const { rows } = await this.#query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, h.key]);
        h.held = rows[0]?.ok === true;
      }
      if (h.held && !this.#closed) await h.job.run();
    } catch (err) {
      this.#opts.onJobError?.(h.job.name, err);
    } finally {
      h.running = false;
    }
  }

  #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.#queue.then(() => this.#client.query<R>(sql, params));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #onNotification(channel: string, payload: string | undefined): void {
    if (channel !== FEED_CHANNEL) return;
    const m = decodeFeed(payload);
    if (!m || m.origin === this.replicaId) return;
    const have = this.#pending.get(m.topic);
    if (have !== 'all') {
      if (m.keys === 'all') this.#pending.set(m.topic, 'all');
      else {
        const set = have ?? new Set<string>();
        for (const k of m.keys) set.add(k);
        this.#pending.set(m.topic, set);
      }
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#closed) return;
    for (const topic of TOPIC_ORDER) {
      const keys = this.#pending.get(topic);
      if (keys === undefined) continue;
      this.#pending.delete(topic);
      const list = keys === 'all' ? 'all' : [...keys];
      for (const l of this.#listeners) {
        try {
          l(topic, list);
        } catch (err) {
          this.#opts.onJobError?.(`feed:${topic}`, err);
        }
      }
    }
  }

  #fail(err: Error): void {
    if (this.#closed || this.#lostErr) return;
    this.#lostErr = err;
    for (const h of this.#jobs.values()) {
      clearInterval(h.timer);
      h.held = false;
    }
    for (const l of this.#lost) l(err);
  }
}
