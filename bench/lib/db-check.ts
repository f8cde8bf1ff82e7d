/**
 * @module Reads the server's SQLite file (read-only, alongside the running server: WAL allows a
 * concurrent reader) to prove that what agents reported was persisted, not just received.
 */
import Database from 'better-sqlite3';
import type { AgentReport } from '../loadgen/ipc.js';

interface Row {
  uid: string;
  health: string | null;
  effective_config_hash: string | null;
  remote_config_status: string | null;
}

export interface PersistedState {
  readonly rows: number;
  /** Reported agents whose stored health status time equals the last one they sent. */
  readonly latestHealthStored: number;
  /** Reported agents whose stored remote config status is APPLIED for the hash they run. */
  readonly appliedStored: number;
  readonly missing: number;
}

export function readPersisted(dbPath: string, agents: readonly AgentReport[]): PersistedState {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db.prepare('SELECT uid, health, effective_config_hash, remote_config_status FROM agents').all() as Row[];
    const byUid = new Map(rows.map((r) => [r.uid, r]));
    let latestHealthStored = 0;
    let appliedStored = 0;
    let missing = 0;
    for (const a of agents) {
      const row = byUid.get(a.uid);
      if (!row) {
        missing++;
        continue;
      }
      const health = row.health ? (JSON.parse(row.health) as { statusTimeUnixNano?: string }) : undefined;
      if (a.lastHealthStamp !== '' && health?.statusTimeUnixNano === a.lastHealthStamp) latestHealthStored++;
      const rcs = row.remote_config_status ? (JSON.parse(row.remote_config_status) as { hash: string; status: string }) : undefined;
      if (a.configHash !== '' && rcs?.hash === a.configHash && rcs.status === 'APPLIED') appliedStored++;
    }
    return { rows: rows.length, latestHealthStored, appliedStored, missing };
  } finally {
    db.close();
  }
}

/**
 * Stored agents that report `hashHex` APPLIED and whose stored effective config is the one the
 * config produces (`effectiveHash`, as the registry computes it).
 */
export function countApplied(db: Database.Database, hashHex: string, effectiveHash: string): number {
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM agents
       WHERE json_extract(remote_config_status, '$.hash') = ? AND json_extract(remote_config_status, '$.status') = 'APPLIED'
         AND effective_config_hash = ?`,
    )
    .get(hashHex, effectiveHash) as { n: number };
  return row.n;
}
