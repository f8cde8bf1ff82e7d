/**
 * @module Port: the config catalog: named configs and their immutable versions.
 */

export interface ConfigRow {
  readonly name: string;
  readonly description: string;
  readonly content_type: string;
  readonly file_key: string;
  readonly created_at: number;
  readonly created_by: string;
}

export interface ConfigVersionRow {
  readonly name: string;
  readonly version: number;
  readonly content_type: string;
  readonly body: string;
  readonly sha256: string;
  readonly config_hash: string;
  readonly author: string;
  readonly author_name: string;
  readonly comment: string;
  readonly created_at: number;
}

export type ConfigVersionMeta = Omit<ConfigVersionRow, 'body'> & {
  readonly size: number;
};

export interface ConfigListRow extends ConfigRow {
  readonly latest_version: number;
  readonly latest_config_hash: string;
  readonly updated_at: number;
  readonly version_count: number;
}

export interface ConfigsStore {
  get(name: string): ConfigRow | undefined;
  list(): ConfigListRow[];
  versions(name: string): ConfigVersionMeta[];
  version(name: string, version: number): ConfigVersionRow | undefined;
  latestVersion(name: string): number | undefined;
  /** The first catalog version whose config map hashes to `hash`, if any. */
  versionByHash(hash: string): ConfigVersionRow | undefined;
  /**
   * Appends a version (creating the config on first use) and returns its number. Runs inside the
   * caller's transaction so the number cannot be taken twice.
   */
  append(
    v: Omit<ConfigVersionRow, 'version' | 'name'> & {
      name: string;
      description?: string;
      fileKey: string;
    },
  ): number;
}
