/**
 * @module Messages between the bench driver (parent) and load-generator workers (forked child
 * processes), plus the small shared types both sides use.
 */
import type { BackoffOptions } from './backoff.js';

/**
 * What agents send besides answering the server:
 * - `heartbeat`: a heartbeat every `heartbeatMs` (WebSocket) or a poll (HTTP), like idle agents;
 * - `flood-full`: closed loop, each agent sends a full status (with a changed health status time)
 *   as soon as the previous message was answered;
 * - `flood-heartbeat`: closed loop of heartbeats;
 * - `quiet`: only answers the server (ReportFullState, remote config).
 */
export type LoadMode = 'heartbeat' | 'flood-full' | 'flood-heartbeat' | 'quiet';

export interface WorkerConfig {
  readonly workerIndex: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly token: string;
  /** Simulated agents in this worker; the first `httpAgents` of them poll over plain HTTP. */
  readonly agents: number;
  readonly httpAgents: number;
  /** Global index of this worker's first agent (agent groups are index % groups). */
  readonly firstIndex: number;
  readonly groups: number;
  /** Source addresses to spread connections over (127.0.0.2, ...), round-robin by agent. */
  readonly localAddresses: readonly string[];
  readonly heartbeatMs: number;
  /** New connections per second this worker opens while connecting the fleet. */
  readonly connectRate: number;
  /** The worker exits by itself after this long, whatever happens. */
  readonly maxLifetimeMs: number;
  readonly backoff: BackoffOptions;
  readonly mode: LoadMode;
}

export interface WorkerStats {
  readonly worker: number;
  readonly agents: number;
  /** Agents whose current connection (or last poll) got an answer. */
  readonly ready: number;
  readonly sent: number;
  readonly received: number;
  readonly fullSent: number;
  readonly connects: number;
  readonly reconnects: number;
  readonly throttled429: number;
  readonly overloaded503: number;
  readonly refusedOther: number;
  readonly connectFailures: number;
  readonly unexpectedCloses: number;
  readonly fullStateRequests: number;
  readonly newUids: number;
  readonly errorResponses: number;
  readonly remoteConfigs: number;
  readonly appliedSent: number;
  readonly commands: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly rssBytes: number;
}

/** End-of-run facts about one simulated agent, for verification and latency figures. */
export interface AgentReport {
  readonly uid: string;
  readonly transport: 'ws' | 'http';
  readonly ready: boolean;
  readonly seq: number;
  /** Health status time (unix ns, decimal) of the last full status sent; '' if none. */
  readonly lastHealthStamp: string;
  /** Hex hash of the remote config the agent runs ('' = none). */
  readonly configHash: string;
  /** Epoch ms (sub-ms precision) the last remote config arrived; 0 = never. */
  readonly configAt: number;
  /** Epoch ms the APPLIED report for it was written; 0 = never. */
  readonly appliedAt: number;
  /** 429/503 refusals received so far. */
  readonly refusals: number;
  /** Epoch ms its current connection (or HTTP polling) was first answered; 0 = not ready. */
  readonly readyAt: number;
}

export type ParentToWorker =
  | { readonly t: 'init'; readonly config: WorkerConfig }
  | { readonly t: 'connect' }
  | { readonly t: 'mode'; readonly mode: LoadMode }
  | { readonly t: 'drop' }
  | { readonly t: 'watch'; readonly uids: readonly string[] }
  | { readonly t: 'stats'; readonly id: number }
  | { readonly t: 'report'; readonly id: number }
  | { readonly t: 'stop'; readonly id: number };

export type WorkerToParent =
  | { readonly t: 'ready'; readonly worker: number }
  | { readonly t: 'stats'; readonly id: number; readonly stats: WorkerStats }
  | { readonly t: 'report'; readonly id: number; readonly agents: readonly AgentReport[] }
  | { readonly t: 'stopped'; readonly id: number }
  /** A watched agent received a remote config (approval-latency). */
  | { readonly t: 'config'; readonly uid: string; readonly at: number }
  | { readonly t: 'fatal'; readonly message: string };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across local processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
