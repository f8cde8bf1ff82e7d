/**
 * @module SQLite persistence of agent records. The registry batches writes: `saveMany` upserts
 * dirty records in one transaction; `touchMany` writes liveness only. Rows map to and from
 * AgentRecord in src/fleet/agent-rows.ts.
 */
import type { Db } from './db.js';
import type { AgentLiveness, AgentRow, AgentsStore } from './ports/agents.js';

/**
 * Distinct effective configs read by one lookup each at start-up (~20-30 µs apiece); with more, one
 * scan of the column costs less (~70-120 ms for 19,000 rows of ~2 KB).
 */
const POINT_READS_MAX = 2_000;

/** Upper bound of the memory map used by the start-up scan (SQLite maps at most the file's size). */
const LOAD_MMAP_BYTES = 1 << 30;

/** A row of the start-up scan as an array (faster to read than an object per row), in SELECT order. */
type RawAgentRow = [
  string,
  number,
  number,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  string | null,
];

function rowOf(a: RawAgentRow): AgentRow {
  return {
    uid: a[0],
    first_seen: a[1],
    last_seen: a[2],
    transport: a[3],
    capabilities: a[4],
    description: a[5],
    health: a[6],
    effective_config: a[7],
    effective_config_hash: a[8],
    remote_config_status: a[9],
    package_statuses: a[10],
    available_components: a[11],
    custom_capabilities: a[12],
    connection_settings_status: a[13],
    disconnected_at: a[14],
    replica: a[15],
  };
}

export class AgentsRepo implements AgentsStore {
  readonly #upsert;
  readonly #touch;
  readonly #delete;
  readonly #allButConfig;
  readonly #configOf;
  readonly #allConfigs;
  readonly #polledSince;
  readonly #saveMany;
  readonly #touchMany;
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    this.#upsert = db.prepare(`
      INSERT INTO agents (uid, first_seen, last_seen, transport, capabilities, description, health,
        effective_config, effective_config_hash, remote_config_status, package_statuses,
        available_components, custom_capabilities, connection_settings_status, disconnected_at)
      VALUES (@uid, @first_seen, @last_seen, @transport, @capabilities, @description, @health,
        @effective_config, @effective_config_hash, @remote_config_status, @package_statuses,
        @available_components, @custom_capabilities, @connection_settings_status, @disconnected_at)
      ON CONFLICT(uid) DO UPDATE SET
        last_seen = excluded.last_seen, transport = excluded.transport,
        capabilities = excluded.capabilities, description = excluded.description,
        health = excluded.health, effective_config = excluded.effective_config,
        effective_config_hash = excluded.effective_config_hash,
        remote_config_status = excluded.remote_config_status,
        package_statuses = excluded.package_statuses,
        available_components = excluded.available_components,
        custom_capabilities = excluded.custom_capabilities,
        connection_settings_status = excluded.connection_settings_status,
        disconnected_at = excluded.disconnected_at`);
    this.#touch = db.prepare('UPDATE agents SET last_seen = ?, transport = ?, disconnected_at = ? WHERE uid = ?');
    this.#delete = db.prepare('DELETE FROM agents WHERE uid = ?');
    // effective_config_hash is the SHA-256 of effective_config (AgentRecord.effectiveConfigHash):
    // rows with a hash are loaded without their config text, which is read once per distinct hash.
    this.#allButConfig = db
      .prepare(`SELECT uid, first_seen, last_seen, transport, capabilities, description, health,
        CASE WHEN effective_config_hash IS NULL THEN effective_config END AS effective_config, effective_config_hash,
        remote_config_status, package_statuses, available_components, custom_capabilities, connection_settings_status,
        disconnected_at, replica
      FROM agents`)
      .raw();
    this.#configOf = db.prepare('SELECT effective_config FROM agents WHERE uid = ?').pluck();
    this.#allConfigs = db.prepare('SELECT effective_config_hash, effective_config FROM agents WHERE effective_config_hash IS NOT NULL').raw();
    this.#polledSince = db.prepare("SELECT uid FROM agents WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen >= ?");
    this.#saveMany = db.transaction((rows: readonly AgentRow[]) => {
      for (const r of rows) this.#upsert.run(r);
    });
    this.#touchMany = db.transaction((rows: readonly AgentLiveness[]) => {
      for (const r of rows) this.#touch.run(r.last_seen, r.transport, r.disconnected_at, r.uid);
    });
  }

  /**
   * Every row. Agents of one fleet mostly run the same few configurations: each distinct effective
   * config is read once (by lookup, or by one scan of the column when there are many) and shared by
   * the rows with its hash, so a start neither reads nor keeps a copy of a ~2 KB text per agent. Rows come as arrays and become objects here (cheaper than
   * better-sqlite3 building an object per row); the scan goes through a memory map (pages are not
   * copied into SQLite's cache one by one), set back afterwards.
   */
  loadAll(): AgentRow[] {
    const mmapBefore = this.#db.pragma('mmap_size', { simple: true }) as number;
    this.#db.pragma(`mmap_size = ${LOAD_MMAP_BYTES}`);
    try {
      const rows = (this.#allButConfig.all() as RawAgentRow[]).map(rowOf);
      const firstWith = new Map<string, string>(); // hash -> uid of a row that has that config
      for (const r of rows) if (r.effective_config_hash !== null && !firstWith.has(r.effective_config_hash)) firstWith.set(r.effective_config_hash, r.uid);
      const configs = new Map<string, string | null>();
      if (firstWith.size <= POINT_READS_MAX) {
        for (const [hash, uid] of firstWith) configs.set(hash, (this.#configOf.get(uid) as string | null | undefined) ?? null);
      } else {
        // Mostly different configs: one scan of the column is cheaper than a lookup per config.
        for (const [hash, config] of this.#allConfigs.all() as Array<[string, string | null]>) if (!configs.has(hash)) configs.set(hash, config);
      }
      for (const r of rows) if (r.effective_config_hash !== null) r.effective_config = configs.get(r.effective_config_hash) ?? null;
      return rows;
    } finally {
      this.#db.pragma(`mmap_size = ${mmapBefore}`);
    }
  }

  /** HTTP agents that polled at or after `sinceMs` and were not recorded as disconnected since. */
  byUids(uids: readonly string[]): AgentRow[] {
    if (uids.length === 0) return [];
    return this.#db.prepare('SELECT * FROM agents WHERE uid IN (SELECT value FROM json_each(?))').all(JSON.stringify(uids)) as AgentRow[];
  }

  markHttpOffline(before: number, now: number): string[] {
    const rows = this.#db
      .prepare("UPDATE agents SET disconnected_at = ? WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen < ? RETURNING uid")
      .all(now, before) as Array<{ uid: string }>;
    return rows.map((r) => r.uid);
  }

  httpPolledSince(sinceMs: number): string[] {
    return (this.#polledSince.all(sinceMs) as Array<{ uid: string }>).map((r) => r.uid);
  }

  saveMany(rows: readonly AgentRow[]): void {
    if (rows.length > 0) this.#saveMany(rows);
  }

  touchMany(rows: readonly AgentLiveness[]): void {
    if (rows.length > 0) this.#touchMany(rows);
  }

  delete(uid: string): void {
    this.#delete.run(uid);
  }
}
