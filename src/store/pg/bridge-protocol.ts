/**
 * @module The messages between the synchronous PostgreSQL bridge (bridge.ts, main thread) and its
 * worker (bridge-worker.ts), which owns the `pg` connection. Plain data: everything here crosses
 * a MessagePort by structured clone.
 */

export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export type BridgeRequest =
  /** One statement; the reply carries its rows and row count. */
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[] }
  /** Opens a transaction. `durable`: committed with synchronous_commit=on, serialised cluster-wide. */
  | { readonly id: number; readonly op: 'begin'; readonly durable: boolean }
  /** Runs the statements deferred so far, sends the feed notes (pg_notify payloads) and commits. */
  | { readonly id: number; readonly op: 'commit'; readonly statements: readonly Statement[]; readonly notes: readonly string[] }
  /** Statements in order, in the current transaction if one is open; the reply carries each result. */
  | { readonly id: number; readonly op: 'many'; readonly statements: readonly Statement[] }
  | { readonly id: number; readonly op: 'rollback' }
  /**
   * Write-behind: statements (and their notes) committed together, in order with everything
   * else, without a reply. A failure is reported on the worker's parent port.
   */
  | { readonly id: number; readonly op: 'later'; readonly statements: readonly Statement[]; readonly notes: readonly string[] }
  /** The same in one synchronous call: the reply carries each statement's result. */
  | { readonly id: number; readonly op: 'batch'; readonly statements: readonly Statement[]; readonly notes: readonly string[] }
  /** Replies once every write-behind batch queued before it has been written. */
  | { readonly id: number; readonly op: 'drain' }
  /** Drains, then closes the connection. */
  | { readonly id: number; readonly op: 'end' };

/** The LISTEN/NOTIFY channel of the change feed (src/store/pg/feed.ts). */
export const FEED_CHANNEL = 'ampgate_feed';

export interface StatementResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly rowCount: number;
}

export type BridgeReply =
  | { readonly id: number; readonly rows: readonly Record<string, unknown>[]; readonly rowCount: number; readonly results?: readonly StatementResult[] }
  | { readonly id: number; readonly error: BridgeErrorData };

export interface BridgeErrorData {
  readonly message: string;
  /** SQLSTATE (e.g. 23505 unique_violation), when PostgreSQL gave one. */
  readonly code?: string;
  readonly detail?: string;
}

/** Posted on the worker's parent port (asynchronous): a write-behind batch failed. */
export interface LaterFailure {
  readonly kind: 'later-failed';
  readonly error: BridgeErrorData;
  readonly statements: number;
}

export interface WorkerData {
  readonly url: string;
  readonly applicationName: string;
  /** Int32 flag the worker sets to 1 (and notifies) after posting a reply. */
  readonly flag: SharedArrayBuffer;
  /** Advisory lock (two int4 keys) every durable transaction takes. */
  readonly writerLock: readonly [number, number];
}
