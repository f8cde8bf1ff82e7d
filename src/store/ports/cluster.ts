/**
 * @module Port: several `ampgate serve` replicas on one database (ARCHITECTURE.md, "Replicas").
 * A store that can be shared (PostgreSQL) provides it; the SQLite store is one process and has
 * none. It tells each replica what the others wrote (so in-memory state follows), runs periodic
 * work on exactly one replica at a time, and knows which replicas are alive.
 */

/**
 * What a write touched, named by topic and key (an agent uid for the per-agent topics, a change
 * request id for `change`).
 */
export type FeedTopic =
  /** agents rows (state, liveness, which replica holds the connection). */
  | 'agent'
  /** an agent's desired config or its attempts. */
  | 'attempt'
  | 'pause'
  /** restart commands of an agent. */
  | 'command'
  /** the credential an agent last authenticated with. */
  | 'auth'
  /** connection-settings offers made to an agent. */
  | 'offer'
  /** credential rotations of an agent. */
  | 'rotation'
  /** agent credentials (keys: credential ids). */
  | 'credential'
  /** API tokens (keys: token ids). */
  | 'api_token'
  /** change requests (keys: request ids). */
  | 'change';

export type FeedListener = (topic: FeedTopic, keys: readonly string[] | 'all') => void;

export interface ReplicaInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly opampUrl: string | null;
  readonly controlUrl: string | null;
  /** Its session with the database is alive (it holds its replica lock). */
  readonly alive: boolean;
  readonly self: boolean;
}

/** A periodic job that runs on one replica of the cluster at a time. */
export interface ClusterJob {
  readonly name: string;
  readonly everyMs: number;
  /** Runs while this replica holds the job's lock; errors are logged by the caller's wrapper. */
  run(): void | Promise<void>;
}

export interface ClusterPort {
  /** This replica's id (also the origin of its writes in the feed). */
  readonly replicaId: string;
  /** Writes of other replicas, in commit order. Returns an unsubscribe. */
  onChange(listener: FeedListener): () => void;
  /**
   * This replica lost its database session, and with it its locks and its place in the feed:
   * other replicas may already have taken over its agents and executions, and it may have missed
   * their writes. The process must stop serving (a supervisor starts it again).
   */
  onLost(listener: (err: Error) => void): void;
  /** Runs `job` every `everyMs` on whichever live replica holds its lock (moves on when one dies). */
  schedule(job: ClusterJob): () => void;
  /** Names of the jobs this replica runs now. */
  heldJobs(): string[];
  /** Every replica that registered, newest first. */
  replicas(): ReplicaInfo[];
  /** Records where this replica listens (shown in /healthz of every replica). */
  advertise(urls: { readonly opampUrl: string; readonly controlUrl: string }): void;
  /**
   * Agents whose connection was held by a replica that is gone are recorded as disconnected.
   * Returns their uids (the caller reloads them).
   */
  releaseDeadReplicas(now: number): string[];
  close(): Promise<void>;
}
