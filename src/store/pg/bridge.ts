/**
 * @module A synchronous PostgreSQL connection for the store ports. The ports are synchronous
 * (ARCHITECTURE.md, "The store boundary"): the SQLite store answers in microseconds on the event
 * loop, and the domain runs its transactions as plain functions. Here a worker thread owns the
 * `pg` connection and the calling thread waits for each answer with Atomics.wait: one round trip
 * per call, and only on cold paths (approvals, audit, catalog, credentials, rollout steps), since
 * a heartbeat or a poll never reaches the store. Batched writes of the registry go through
 * `later()` instead: queued to the worker without waiting, committed in order with everything
 * else.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { BridgeReply, BridgeRequest, LaterFailure, Statement, StatementResult, WorkerData } from './bridge-protocol.js';
import { Notes } from './feed.js';
import type { FeedTopic } from '../ports/cluster.js';
import { startModuleWorker } from '../../shared/tsx-loader.js';

type Req = BridgeRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** An error PostgreSQL (or the bridge) reported, with its SQLSTATE when there is one. */
export class PgStoreError extends Error {
  override readonly name = 'PgStoreError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface BridgeOptions {
  readonly applicationName?: string;
  /** Longest wait for one answer, in ms. Default 60000. */
  readonly timeoutMs?: number;
  /** Origin written into feed notes (this replica's id). */
  readonly origin?: () => string;
  /** A write-behind batch failed (it is not retried; its rows are re-derived or rewritten later). */
  readonly onLaterFailure?: (f: LaterFailure) => void;
}

/** Advisory lock keys: a namespace (the text "ampg") and a number per purpose. */
export const LOCK_NAMESPACE = 0x616d7067;
export const WRITER_LOCK = 1;

interface Tx {
  durable: boolean;
  readonly notes: Notes;
  depth: number;
  /** Writes whose result nobody needs: sent with the next call, or with the commit. */
  readonly deferred: Statement[];
}

export class SyncPg {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  readonly #timeoutMs: number;
  readonly #origin: () => string;
  #nextId = 1;
  #txCount = 0;
  #tx: Tx | undefined;
  #closed = false;

  constructor(url: string, opts: BridgeOptions = {}) {
    const flag = new SharedArrayBuffer(4);
    this.#flag = new Int32Array(flag);
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.#origin = opts.origin ?? (() => 'tool');
    const data: WorkerData = { url, applicationName: opts.applicationName ?? 'ampgate', flag, writerLock: [LOCK_NAMESPACE, WRITER_LOCK] };
    this.#worker = startModuleWorker(import.meta.url, 'bridge-worker', data);
    this.#worker.unref();
    this.#worker.on('message', (m: LaterFailure) => opts.onLaterFailure?.(m));
    // An error thrown in the worker (a bug) surfaces on the next call as a timeout; log it now.
    this.#worker.on('error', (err) =>
      opts.onLaterFailure?.({ kind: 'later-failed', error: { message: `store worker failed: ${err.message}` }, statements: 0 }),
    );
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#port.unref();
    this.#worker.postMessage({ port: port2 }, [port2]);
  }

  /** Rows of a query. */
  rows<T>(sql: string, params: readonly unknown[] = []): T[] {
    return this.#query(sql, params).rows as T[];
  }

  /** The first row of a query, if any. */
  row<T>(sql: string, params: readonly unknown[] = []): T | undefined {
    return this.rows<T>(sql, params)[0];
  }

  /** Runs a statement; returns the number of rows it touched. With a topic, notes the keys for the feed. */
  run(sql: string, params: readonly unknown[] = [], topic?: FeedTopic, keys?: Iterable<string> | 'all'): number {
    if (topic === undefined || keys === undefined) return this.#query(sql, params).rowCount;
    if (this.#tx) {
      const n = this.#query(sql, params).rowCount;
      this.#tx.notes.add(topic, keys);
      return n;
    }
    return this.batch([{ sql, params }], topic, keys)[0]!.rowCount;
  }

  /**
   * A write whose result is not needed. In a transaction it travels with the next call (or the
   * commit) instead of costing a round trip of its own; outside one it runs at once.
   */
  defer(sql: string, params: readonly unknown[] = [], topic?: FeedTopic, keys?: Iterable<string> | 'all'): void {
    const tx = this.#tx;
    if (!tx) {
      this.run(sql, params, topic, keys);
      return;
    }
    tx.deferred.push({ sql, params });
    if (topic !== undefined && keys !== undefined) tx.notes.add(topic, keys);
  }

  /**
   * Statements committed together (joining the current transaction, if any); the result of each.
   * One round trip outside a transaction.
   */
  batch(statements: readonly Statement[], topic?: FeedTopic, keys?: Iterable<string> | 'all'): readonly StatementResult[] {
    if (this.#tx) {
      const out = statements.map((s) => this.#query(s.sql, s.params));
      if (topic !== undefined && keys !== undefined) this.#tx.notes.add(topic, keys);
      return out;
    }
    const notes = new Notes();
    if (topic !== undefined && keys !== undefined) notes.add(topic, keys);
    return this.#call({ op: 'batch', statements, notes: notes.encode(this.#origin()) }).results ?? [];
  }

  /**
   * Write-behind: queued to the worker without waiting (inside a transaction it joins it, and
   * waits). Later calls see its effect: the worker runs everything in order.
   */
  later(statements: readonly Statement[], topic?: FeedTopic, keys?: Iterable<string> | 'all'): void {
    if (statements.length === 0) return;
    if (this.#tx) {
      this.batch(statements, topic, keys);
      return;
    }
    const notes = new Notes();
    if (topic !== undefined && keys !== undefined) notes.add(topic, keys);
    this.#send({ op: 'later', statements, notes: notes.encode(this.#origin()) });
  }

  /** Notes keys for the feed in the current transaction (outside one, they go out at once). */
  note(topic: FeedTopic, keys: Iterable<string> | 'all'): void {
    if (this.#tx) this.#tx.notes.add(topic, keys);
    else {
      const notes = new Notes();
      notes.add(topic, keys);
      this.#call({ op: 'batch', statements: [], notes: notes.encode(this.#origin()) });
    }
  }

  get inTransaction(): boolean {
    return this.#tx !== undefined;
  }

  /** Increases with every top-level transaction (repositories key per-transaction caches on it). */
  get transactionId(): number {
    return this.#txCount;
  }

  /** A transaction committed with synchronous_commit=on and the cluster-wide writer lock. */
  durably<T>(fn: () => T): T {
    return this.#transaction(true, fn);
  }

  /** A plain transaction (synchronous_commit=off). */
  atomically<T>(fn: () => T): T {
    return this.#transaction(false, fn);
  }

  /** Waits until every write-behind batch queued so far is written. */
  drain(): void {
    if (!this.#closed) this.#call({ op: 'drain' });
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#call({ op: 'end' });
    } finally {
      this.#closed = true;
      void this.#worker.terminate();
      this.#port.close();
    }
  }

  #transaction<T>(durable: boolean, fn: () => T): T {
    const tx = this.#tx;
    if (tx) return this.#nested(tx, durable, fn);
    this.#call({ op: 'begin', durable });
    this.#txCount++;
    const mine: Tx = { durable, notes: new Notes(), depth: 0, deferred: [] };
    this.#tx = mine;
    let value: T;
    try {
      value = fn();
      if (value instanceof Promise) throw new TypeError('a store transaction must not be async');
    } catch (err) {
      this.#tx = undefined;
      try {
        this.#call({ op: 'rollback' });
      } catch {
        // The connection is gone; the transaction went with it.
      }
      throw err;
    }
    this.#tx = undefined;
    this.#call({ op: 'commit', statements: mine.deferred, notes: mine.notes.encode(this.#origin()) });
    return value;
  }

  /** Nested calls join the outer transaction, with a savepoint so a caught failure undoes only theirs. */
  #nested<T>(tx: Tx, durable: boolean, fn: () => T): T {
    if (durable && !tx.durable) {
      this.defer('SET LOCAL synchronous_commit = on');
      this.#query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, WRITER_LOCK]);
      tx.durable = true;
    }
    const name = `s${++tx.depth}`;
    this.defer(`SAVEPOINT ${name}`);
    try {
      return fn();
    } catch (err) {
      if (this.#tx === tx) this.#query(`ROLLBACK TO SAVEPOINT ${name}`, []);
      throw err;
    } finally {
      tx.depth--;
    }
  }

  /** One statement, preceded by the writes deferred in this transaction (one round trip for all). */
  #query(sql: string, params: readonly unknown[]): StatementResult {
    const deferred = this.#tx?.deferred;
    if (!deferred || deferred.length === 0) return this.#call({ op: 'query', sql, params });
    const statements = [...deferred.splice(0), { sql, params }];
    return this.#call({ op: 'many', statements });
  }

  #send(req: Req): number {
    if (this.#closed) throw new PgStoreError('the store is closed');
    const id = this.#nextId++;
    this.#port.postMessage({ ...req, id } as BridgeRequest);
    return id;
  }

  #call(req: Req): { rows: readonly Record<string, unknown>[]; rowCount: number; results?: readonly StatementResult[] } {
    Atomics.store(this.#flag, 0, 0);
    const id = this.#send(req);
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (m) {
        const reply = m.message as BridgeReply;
        if (reply.id !== id) continue; // the answer to a call that timed out earlier
        if ('error' in reply) throw new PgStoreError(reply.error.message, reply.error.code);
        return reply;
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#flag, 0, 0, left) === 'timed-out') {
        throw new PgStoreError(`PostgreSQL did not answer within ${Math.round(this.#timeoutMs / 1000)} s`);
      }
      Atomics.store(this.#flag, 0, 0);
    }
  }
}
