/**
 * @module SQLite persistence of agent records. The registry batches writes: `saveMany` upserts
 * dirty records in one transaction; `touchMany` writes liveness only. Rows map to and from
 * AgentRecord in src/fleet/agent-rows.ts. An agent's effective config text is stored once per
 * distinct hash in `effective_configs` (migration 009); its row keeps only the hash.
 */
import type { Db } from './db.js';
import { AGENT_ROWS_WITH_CONFIG, PRUNE_UNREFERENCED_CONFIGS } from './effective-configs-sql.js';
import type { AgentLiveness, AgentRow, AgentsStore } from './ports/agents.js';

/**
 * Configs stored (or agents deleted) since the last prune before the next one, at least: each
 * prune reads the hash column of every agent, so it runs after a number of new configs that grows
 * with the configs kept (amortised: a constant cost per stored config).
 */
const PRUNE_AFTER_MIN = 256;

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
  readonly #upsertHashed;
  readonly #storeConfig;
  readonly #prune;
  readonly #touch;
  readonly #delete;
  readonly #allButConfig;
  readonly #allConfigs;
  readonly #polledSince;
  readonly #saveMany;
  readonly #touchMany;
  readonly #db: Db;
  /**
   * Hashes whose text is in `effective_configs` (stored or read by this process), so the hot path
   * of `saveMany` runs no INSERT for a config it already stored. Only a prune deletes from that
   * table, and it removes what it deleted from this set (see `pruneEffectiveConfigs`).
   */
  readonly #storedConfigs = new Set<string>();
  /** Configs stored and agents deleted since the last prune: an upper bound of the garbage. */
  #sincePrune = 0;

  constructor(db: Db) {
    this.#db = db;
    const upsert = (config: string) => `
      INSERT INTO agents (uid, first_seen, last_seen, transport, capabilities, description, health,
        effective_config, effective_config_hash, remote_config_status, package_statuses,
        available_components, custom_capabilities, connection_settings_status, disconnected_at)
      VALUES (@uid, @first_seen, @last_seen, @transport, @capabilities, @description, @health,
        ${config}, @effective_config_hash, @remote_config_status, @package_statuses,
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
        disconnected_at = excluded.disconnected_at`;
    this.#upsert = db.prepare(upsert('@effective_config'));
    // A row with a hash keeps no text (it is in effective_configs): the ~2 KB are neither bound nor
    // rewritten with every status report, and the row shares its page with others.
    this.#upsertHashed = db.prepare(upsert('NULL'));
    this.#storeConfig = db.prepare('INSERT INTO effective_configs (hash, config) VALUES (?, ?) ON CONFLICT(hash) DO NOTHING');
    this.#prune = db.prepare(`${PRUNE_UNREFERENCED_CONFIGS} RETURNING hash`).pluck();
    this.#touch = db.prepare('UPDATE agents SET last_seen = ?, transport = ?, disconnected_at = ? WHERE uid = ?');
    this.#delete = db.prepare('DELETE FROM agents WHERE uid = ?');
    // effective_config_hash is the SHA-256 of the config text (AgentRecord.effectiveConfigHash).
    // Rows are loaded without the texts in effective_configs, which are read once each and shared.
    this.#allButConfig = db
      .prepare(`SELECT uid, first_seen, last_seen, transport, capabilities, description, health,
        effective_config, effective_config_hash, remote_config_status, package_statuses, available_components,
        custom_capabilities, connection_settings_status, disconnected_at, replica
      FROM agents`)
      .raw();
    this.#allConfigs = db.prepare('SELECT hash, config FROM effective_configs').raw();
    this.#polledSince = db.prepare("SELECT uid FROM agents WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen >= ?");
    // The config goes in with the row that refers to it, in one transaction: no row refers to a
    // missing config. Returns the hashes it stored.
    this.#saveMany = db.transaction((rows: readonly AgentRow[]) => {
      const stored: string[] = [];
      for (const r of rows) {
        const hash = r.effective_config_hash;
        if (hash === null || r.effective_config === null) {
          this.#upsert.run(r);
          continue;
        }
        if (!this.#storedConfigs.has(hash) && !stored.includes(hash)) {
          this.#storeConfig.run(hash, r.effective_config);
          stored.push(hash);
        }
        this.#upsertHashed.run(r);
      }
      return stored;
    });
    this.#touchMany = db.transaction((rows: readonly AgentLiveness[]) => {
      for (const r of rows) this.#touch.run(r.last_seen, r.transport, r.disconnected_at, r.uid);
    });
  }

  /**
   * Every row. Agents of one fleet mostly run the same few configurations: each distinct effective
   * config is read once (one scan of effective_configs, pruned first) and shared by the rows with
   * its hash, so a start neither reads nor keeps a copy of a ~2 KB text per agent. Rows come as
   * arrays and become objects here (cheaper than better-sqlite3 building an object per row); the
   * scan goes through a memory map (pages are not copied into SQLite's cache one by one), set back
   * afterwards.
   */
  loadAll(): AgentRow[] {
    if (!this.#db.readonly) this.pruneEffectiveConfigs();
    const mmapBefore = this.#db.pragma('mmap_size', { simple: true }) as number;
    this.#db.pragma(`mmap_size = ${LOAD_MMAP_BYTES}`);
    try {
      const rows = (this.#allButConfig.all() as RawAgentRow[]).map(rowOf);
      const configs = new Map<string, string>();
      for (const [hash, config] of this.#allConfigs.all() as Array<[string, string]>) configs.set(hash, config);
      // Remembered as stored unless read inside a caller's transaction (which may roll back).
      if (!this.#db.inTransaction) for (const hash of configs.keys()) this.#storedConfigs.add(hash);
      // A row without a stored config (none before migration 009 had a hash without text) keeps its own.
      for (const r of rows) if (r.effective_config_hash !== null) r.effective_config = configs.get(r.effective_config_hash) ?? r.effective_config;
      return rows;
    } finally {
      this.#db.pragma(`mmap_size = ${mmapBefore}`);
    }
  }

  /**
   * Deletes the effective configs no agent refers to (agents deleted, or their config changed);
   * returns how many. Runs at start-up (`loadAll`) and after enough configs were stored or agents
   * deleted since the last one. The hashes it deletes leave `#storedConfigs` too, so the next row
   * with one of them stores its text again: every hash in that set is in the table after a prune,
   * as before it (a config referenced by a row is never deleted; the statement runs whole, with no
   * write of this process in between).
   */
  pruneEffectiveConfigs(): number {
    const gone = this.#prune.all() as string[];
    for (const hash of gone) this.#storedConfigs.delete(hash);
    this.#sincePrune = 0;
    return gone.length;
  }

  /** The rows of these uids (those that exist), each with its effective config text. */
  byUids(uids: readonly string[]): AgentRow[] {
    if (uids.length === 0) return [];
    return this.#db.prepare(`SELECT ${AGENT_ROWS_WITH_CONFIG} WHERE a.uid IN (SELECT value FROM json_each(?))`).all(JSON.stringify(uids)) as AgentRow[];
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
    if (rows.length === 0) return;
    // Inside a caller's transaction the configs are not known stored until it commits (it may roll
    // back), so they are not remembered: a later save stores them again (ON CONFLICT DO NOTHING).
    const nested = this.#db.inTransaction;
    const stored = this.#saveMany(rows) as string[];
    if (!nested) for (const hash of stored) this.#storedConfigs.add(hash);
    this.#sincePrune += stored.length;
    this.#pruneWhenDue();
  }

  touchMany(rows: readonly AgentLiveness[]): void {
    if (rows.length > 0) this.#touchMany(rows);
  }

  delete(uid: string): void {
    // Its config may now be unreferenced: counted, pruned with others (a re-keyed agent's row is
    // deleted and written again under its new uid).
    if (this.#delete.run(uid).changes > 0) this.#sincePrune++;
  }

  #pruneWhenDue(): void {
    if (this.#sincePrune >= Math.max(PRUNE_AFTER_MIN, this.#storedConfigs.size)) this.pruneEffectiveConfigs();
  }
}
