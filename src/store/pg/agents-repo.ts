/**
 * @module PostgreSQL: agent records. The registry's batched writes (`saveMany`, `touchMany`) are
 * write-behind (queued to the bridge's worker, one statement per batch). A connected WebSocket
 * agent's row names the replica holding its connection, so the cluster can release the agents of
 * a replica that died.
 */
import type { SyncPg } from './bridge.js';
import type { AgentLiveness, AgentRow, AgentsStore } from '../ports/agents.js';

const COLUMNS = [
  'uid',
  'first_seen',
  'last_seen',
  'transport',
  'capabilities',
  'description',
  'health',
  'effective_config',
  'effective_config_hash',
  'remote_config_status',
  'package_statuses',
  'available_components',
  'custom_capabilities',
  'connection_settings_status',
  'disconnected_at',
] as const;
const BIGINTS = new Set(['first_seen', 'last_seen', 'disconnected_at']);
const UPDATED = COLUMNS.filter((c) => c !== 'uid' && c !== 'first_seen');
/** The replica column of a written row: set while a WebSocket is held here, cleared otherwise. */
const HOLDER = "CASE WHEN u.disconnected_at IS NULL AND u.transport = 'ws' THEN $REPLICA::text ELSE NULL END";

const UPSERT = `INSERT INTO agents (${COLUMNS.join(', ')}, replica)
   SELECT ${COLUMNS.map((c) => `u.${c}`).join(', ')}, ${HOLDER}
   FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${BIGINTS.has(c) ? 'bigint' : 'text'}[]`).join(', ')}) AS u(${COLUMNS.join(', ')})
   ORDER BY u.uid
   ON CONFLICT (uid) DO UPDATE SET ${UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}, replica = excluded.replica`.replace(
  '$REPLICA',
  `$${COLUMNS.length + 1}`,
);

const TOUCH = `UPDATE agents a SET last_seen = GREATEST(a.last_seen, u.last_seen), transport = u.transport,
    disconnected_at = u.disconnected_at, replica = ${HOLDER.replace('$REPLICA', '$5')}
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS u(uid, last_seen, transport, disconnected_at)
  WHERE a.uid = u.uid`;

export class PgAgentsRepo implements AgentsStore {
  constructor(
    private readonly pg: SyncPg,
    /** This replica's id, stamped on the rows of WebSockets it holds. */
    private readonly replica: () => string | null,
  ) {}

  loadAll(): AgentRow[] {
    return this.pg.rows<AgentRow>('SELECT * FROM agents');
  }

  byUids(uids: readonly string[]): AgentRow[] {
    return uids.length === 0 ? [] : this.pg.rows<AgentRow>('SELECT * FROM agents WHERE uid = ANY($1::text[])', [uids]);
  }

  httpPolledSince(sinceMs: number): string[] {
    return this.pg
      .rows<{ uid: string }>("SELECT uid FROM agents WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen >= $1", [sinceMs])
      .map((r) => r.uid);
  }

  saveMany(rows: readonly AgentRow[]): void {
    if (rows.length === 0) return;
    const params: unknown[] = COLUMNS.map((c) => rows.map((r) => r[c]));
    params.push(this.replica());
    this.pg.later(
      [{ sql: UPSERT, params }],
      'agent',
      rows.map((r) => r.uid),
    );
  }

  /** Liveness only: no feed note (heartbeats would flood it); connection changes come through saveMany. */
  touchMany(rows: readonly AgentLiveness[]): void {
    if (rows.length === 0) return;
    const sorted = [...rows].sort((a, b) => (a.uid < b.uid ? -1 : 1));
    const params = [
      sorted.map((r) => r.uid),
      sorted.map((r) => r.last_seen),
      sorted.map((r) => r.transport),
      sorted.map((r) => r.disconnected_at),
      this.replica(),
    ];
    this.pg.later([{ sql: TOUCH, params }]);
  }

  delete(uid: string): void {
    this.pg.run('DELETE FROM agents WHERE uid = $1', [uid], 'agent', [uid]);
  }

  markHttpOffline(before: number, now: number): string[] {
    return this.pg.atomically(() => {
      const uids = this.pg
        .rows<{ uid: string }>("UPDATE agents SET disconnected_at = $2 WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen < $1 RETURNING uid", [
          before,
          now,
        ])
        .map((r) => r.uid);
      if (uids.length > 0) this.pg.note('agent', uids);
      return uids;
    });
  }
}
