/**
 * @module SQLite access for the config catalog: named configs and their immutable versions.
 */
import type { Db } from './db.js';
import type { ConfigListRow, ConfigRow, ConfigVersionMeta, ConfigVersionRow, ConfigsStore } from './ports/configs.js';

export class ConfigsRepo implements ConfigsStore {
  readonly #getConfig;
  readonly #list;
  readonly #insertConfig;
  readonly #updateConfig;
  readonly #insertVersion;
  readonly #maxVersion;
  readonly #versions;
  readonly #version;
  readonly #byHash;

  constructor(db: Db) {
    this.#getConfig = db.prepare('SELECT * FROM configs WHERE name = ?');
    this.#list = db.prepare(`
      SELECT c.*, v.version AS latest_version, v.config_hash AS latest_config_hash, v.created_at AS updated_at,
             (SELECT count(*) FROM config_versions x WHERE x.name = c.name) AS version_count
      FROM configs c JOIN config_versions v ON v.name = c.name
      WHERE v.version = (SELECT max(version) FROM config_versions m WHERE m.name = c.name)
      ORDER BY c.name`);
    this.#insertConfig = db.prepare('INSERT INTO configs (name, description, content_type, file_key, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)');
    this.#updateConfig = db.prepare('UPDATE configs SET content_type = ?, description = coalesce(?, description) WHERE name = ?');
    this.#insertVersion = db.prepare(
      'INSERT INTO config_versions (name, version, content_type, body, sha256, config_hash, author, author_name, comment, created_at) VALUES (?, ?, ' +
        '?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#maxVersion = db.prepare('SELECT max(version) AS v FROM config_versions WHERE name = ?');
    this.#versions = db.prepare(
      'SELECT name, version, content_type, sha256, config_hash, author, author_name, comment, created_at, length(CAST(body AS BLOB)) AS size FROM ' +
        'config_versions WHERE name = ? ORDER BY version',
    );
    this.#version = db.prepare('SELECT * FROM config_versions WHERE name = ? AND version = ?');
    this.#byHash = db.prepare('SELECT * FROM config_versions WHERE config_hash = ? ORDER BY created_at LIMIT 1');
  }

  get(name: string): ConfigRow | undefined {
    return this.#getConfig.get(name) as ConfigRow | undefined;
  }

  list(): ConfigListRow[] {
    return this.#list.all() as ConfigListRow[];
  }

  versions(name: string): ConfigVersionMeta[] {
    return this.#versions.all(name) as ConfigVersionMeta[];
  }

  version(name: string, version: number): ConfigVersionRow | undefined {
    return this.#version.get(name, version) as ConfigVersionRow | undefined;
  }

  latestVersion(name: string): number | undefined {
    const r = this.#maxVersion.get(name) as { v: number | null };
    return r.v ?? undefined;
  }

  /** The first catalog version whose config map hashes to `hash`, if any. */
  versionByHash(hash: string): ConfigVersionRow | undefined {
    return this.#byHash.get(hash) as ConfigVersionRow | undefined;
  }

  /**
   * Appends a version (creating the config on first use) and returns its number. Runs inside the
   * caller's transaction so the number cannot be taken twice.
   */
  append(v: Omit<ConfigVersionRow, 'version' | 'name'> & { name: string; description?: string; fileKey: string }): number {
    if (!this.get(v.name)) this.#insertConfig.run(v.name, v.description ?? '', v.content_type, v.fileKey, v.created_at, v.author);
    else this.#updateConfig.run(v.content_type, v.description ?? null, v.name);
    const next = (this.latestVersion(v.name) ?? 0) + 1;
    this.#insertVersion.run(v.name, next, v.content_type, v.body, v.sha256, v.config_hash, v.author, v.author_name, v.comment, v.created_at);
    return next;
  }
}
