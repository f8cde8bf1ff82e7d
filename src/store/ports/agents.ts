/** @module Port: agent records as stored (one row per instance uid; JSON columns stay text). */

export interface AgentRow {
  uid: string;
  first_seen: number;
  last_seen: number;
  transport: string | null;
  /** The capability bit mask, as decimal text (it is a uint64). */
  capabilities: string;
  description: string | null;
  health: string | null;
  effective_config: string | null;
  effective_config_hash: string | null;
  remote_config_status: string | null;
  package_statuses: string | null;
  available_components: string | null;
  custom_capabilities: string | null;
  connection_settings_status: string | null;
  disconnected_at: number | null;
  /**
   * The replica holding the agent's WebSocket, on a store shared by several replicas (read only:
   * the store stamps it when it writes a connected row). Absent or null otherwise.
   */
  replica?: string | null;
}

/** The liveness columns only: what a batch of heartbeats changes. */
export type AgentLiveness = Pick<AgentRow, 'uid' | 'last_seen' | 'transport' | 'disconnected_at'>;

export interface AgentsStore {
  loadAll(): AgentRow[];
  /** The rows of these uids (those that exist). */
  byUids(uids: readonly string[]): AgentRow[];
  /** HTTP agents that polled at or after `sinceMs` and were not recorded as disconnected since. */
  httpPolledSince(sinceMs: number): string[];
  /** Upserts the rows in one transaction. */
  saveMany(rows: readonly AgentRow[]): void;
  /** Writes liveness only, in one transaction. */
  touchMany(rows: readonly AgentLiveness[]): void;
  delete(uid: string): void;
  /**
   * Records HTTP agents that have not polled since `before` as disconnected at `now` (the liveness
   * sweep of a cluster, where each replica sees only the polls that reach it); returns their uids.
   */
  markHttpOffline(before: number, now: number): string[];
}
