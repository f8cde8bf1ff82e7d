/**
 * @module PostgreSQL: the config catalog, named configs and their immutable versions.
 */
import type { SyncPg } from './bridge.js';
import type { ConfigListRow, ConfigRow, ConfigVersionMeta, ConfigVersionRow, ConfigsStore } from '../ports/configs.js';

export class PgConfigsRepo implements ConfigsStore {
  constructor(private readonly pg: SyncPg) {}

  get(name: string): ConfigRow | undefined {
    return this.pg.row<ConfigRow>('SELECT * FROM configs WHERE name = $1', [name]);
  }

  list(): ConfigListRow[] {
    return this.pg.rows<ConfigListRow>(`
      SELECT c.*, v.version AS latest_version, v.config_hash AS latest_config_hash, v.created_at AS updated_at,
             (SELECT count(*) FROM config_versions x WHERE x.name = c.name) AS version_count
      FROM configs c JOIN config_versions v ON v.name = c.name
      WHERE v.version = (SELECT max(version) FROM config_versions m WHERE m.name = c.name)
      ORDER BY c.name`);
  }

  versions(name: string): ConfigVersionMeta[] {
    return this.pg.rows<ConfigVersionMeta>(
      `SELECT name, version, content_type, sha256, config_hash, author, author_name, comment, created_at, octet_length(body) AS size
       FROM config_versions WHERE name = $1 ORDER BY version`,
      [name],
    );
  }

  version(name: string, version: number): ConfigVersionRow | undefined {
    return this.pg.row<ConfigVersionRow>('SELECT * FROM config_versions WHERE name = $1 AND version = $2', [name, version]);
  }

  latestVersion(name: string): number | undefined {
    return this.pg.row<{ v: number | null }>('SELECT max(version) AS v FROM config_versions WHERE name = $1', [name])?.v ?? undefined;
  }

  versionByHash(hash: string): ConfigVersionRow | undefined {
    return this.pg.row<ConfigVersionRow>('SELECT * FROM config_versions WHERE config_hash = $1 ORDER BY created_at, name, version LIMIT 1', [hash]);
  }

  append(v: Omit<ConfigVersionRow, 'version' | 'name'> & { name: string; description?: string; fileKey: string }): number {
    return this.pg.atomically(() => {
      // Concurrent uploads of one config (two replicas) take turns on its row.
      const existing = this.pg.row<{ name: string }>('SELECT name FROM configs WHERE name = $1 FOR UPDATE', [v.name]);
      if (!existing) {
        this.pg.run('INSERT INTO configs (name, description, content_type, file_key, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
          v.name,
          v.description ?? '',
          v.content_type,
          v.fileKey,
          v.created_at,
          v.author,
        ]);
      } else {
        this.pg.run('UPDATE configs SET content_type = $1, description = coalesce($2, description) WHERE name = $3', [
          v.content_type,
          v.description ?? null,
          v.name,
        ]);
      }
      const next = (this.latestVersion(v.name) ?? 0) + 1;
      this.pg.run(
        `INSERT INTO config_versions (name, version, content_type, body, sha256, config_hash, author, author_name, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [v.name, next, v.content_type, v.body, v.sha256, v.config_hash, v.author, v.author_name, v.comment, v.created_at],
      );
      return next;
    });
  }
}
