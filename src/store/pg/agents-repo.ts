/**
 * @module PostgreSQL: agent records. The registry's batched writes (`saveMany`, `touchMany`) are
 * write-behind (queued to the bridge's worker, one transaction per batch). A connected WebSocket
 * agent's row names the replica holding its connection, so the cluster can release the agents of
 * a replica that died. Effective config texts are stored once per hash in `effective_configs`
 * (migration 009); a row keeps only the hash.
 */
import { LOCK_NAMESPACE, type SyncPg } from './bridge.js';
import { AGENT_ROWS_WITH_CONFIG, PRUNE_UNREFERENCED_CONFIGS } from '../effective-configs-sql.js';
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

/**
 * Advisory lock (in LOCK_NAMESPACE) between the writers of rows that refer to a config (shared)
 * and the prune of unreferenced configs (exclusive). Without it a prune whose snapshot predates a
 * concurrent batch could delete a config that batch found stored (ON CONFLICT DO NOTHING takes no
 * row lock) and refers to. Holding it exclusively, the prune's DELETE (a statement of its own, so
 * a snapshot taken after the lock, READ COMMITTED) sees every committed row; batches after it
 * find the deleted configs missing and store them again.
 */
const CONFIGS_LOCK = 9;

/** The distinct configs of a batch, in hash order (concurrent batches insert in the same order). */
const STORE_CONFIGS = `INSERT INTO effective_configs (hash, config)
  SELECT * FROM unnest($1::text[], $2::text[]) AS c(hash, config) ORDER BY 1
  ON CONFLICT (hash) DO NOTHING`;

/** Configs seen or agents deleted between prunes, at least (see the SQLite repository). */
const PRUNE_AFTER_MIN = 256;

const TOUCH = `UPDATE agents a SET last_seen = GREATEST(a.last_seen, u.last_seen), transport = u.transport,
    disconnected_at = u.disconnected_at, replica = ${HOLDER.replace('$REPLICA', '$5')}
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS u(uid, last_seen, transport, disconnected_at)
  WHERE a.uid = u.uid`;

export class PgAgentsRepo implements AgentsStore {
  /**
   * Hashes this process wrote, to count new configs between prunes. Not trusted as "stored": any
   * replica may prune a config another replica wrote, so every batch sends its distinct configs
   * (one INSERT per batch, not per row).
   */
  readonly #seen = new Set<string>();
  #sincePrune = 0;
  /** Configs seen before the next prune: as many as the last period saw, so a prune's cost is amortised. */
  #pruneAfter = PRUNE_AFTER_MIN;
  #prunedAtStart = false;

  constructor(
    private readonly pg: SyncPg,
    /** This replica's id, stamped on the rows of WebSockets it holds. */
    private readonly replica: () => string | null,
  ) {}

  /** Every row; each distinct effective config is read once and shared by the rows with its hash. */
  loadAll(): AgentRow[] {
    if (!this.#prunedAtStart && !this.pg.inTransaction) {
      this.#prunedAtStart = true;
      this.#pruneConfigs();
    }
    const rows = this.pg.rows<AgentRow>(`SELECT ${COLUMNS.join(', ')}, replica FROM agents`);
    // Read after the rows: a row's config was committed with it, and stays while a row refers to it.
    const configs = new Map(this.pg.rows<{ hash: string; config: string }>('SELECT hash, config FROM effective_configs').map((c) => [c.hash, c.config]));
    for (const r of rows) if (r.effective_config_hash !== null) r.effective_config = configs.get(r.effective_config_hash) ?? r.effective_config;
    return rows;
  }

  byUids(uids: readonly string[]): AgentRow[] {
    return uids.length === 0 ? [] : this.pg.rows<AgentRow>(`SELECT ${AGENT_ROWS_WITH_CONFIG} WHERE a.uid = ANY($1::text[])`, [uids]);
  }

  httpPolledSince(sinceMs: number): string[] {
    return this.pg
      .rows<{ uid: string }>("SELECT uid FROM agents WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen >= $1", [sinceMs])
      .map((r) => r.uid);
  }

  saveMany(rows: readonly AgentRow[]): void {
    if (rows.length === 0) return;
    const configs = new Map<string, string>();
    for (const r of rows) if (r.effective_config_hash !== null && r.effective_config !== null) configs.set(r.effective_config_hash, r.effective_config);
    // A row with a stored config keeps only its hash.
    const stored = (r: AgentRow) => r.effective_config_hash !== null && configs.has(r.effective_config_hash);
    const params: unknown[] = COLUMNS.map((c) => (c === 'effective_config' ? rows.map((r) => (stored(r) ? null : r.effective_config)) : rows.map((r) => r[c])));
    params.push(this.replica());
    const statements = [{ sql: UPSERT, params }];
    if (configs.size > 0) {
      // The configs go in with the rows that refer to them, in the batch's transaction.
      statements.unshift(
        { sql: 'SELECT pg_advisory_xact_lock_shared($1, $2)', params: [LOCK_NAMESPACE, CONFIGS_LOCK] },
        { sql: STORE_CONFIGS, params: [[...configs.keys()], [...configs.values()]] },
      );
      for (const hash of configs.keys()) {
        if (this.#seen.has(hash)) continue;
        this.#seen.add(hash);
        this.#sincePrune++;
      }
    }
    this.pg.later(
      statements,
      'agent',
      rows.map((r) => r.uid),
    );
    this.#pruneWhenDue();
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
    if (this.pg.run('DELETE FROM agents WHERE uid = $1', [uid], 'agent', [uid]) > 0) this.#sincePrune++;
    this.#pruneWhenDue();
  }

  /** Not inside a caller's transaction: its exclusive lock there could deadlock with other writers. */
  #pruneWhenDue(): void {
    if (this.#sincePrune >= this.#pruneAfter && !this.pg.inTransaction) this.#pruneConfigs();
  }

  /** Deletes the configs no agent refers to, write-behind (after the batches queued before it). */
  #pruneConfigs(): void {
    this.#pruneAfter = Math.max(PRUNE_AFTER_MIN, this.#seen.size);
    this.#sincePrune = 0;
    this.#seen.clear();
    this.pg.later([
      { sql: 'SELECT pg_advisory_xact_lock($1, $2)', params: [LOCK_NAMESPACE, CONFIGS_LOCK] },
      { sql: PRUNE_UNREFERENCED_CONFIGS, params: [] },
    ]);
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
