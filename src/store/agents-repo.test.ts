import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentRow, sha256 } from '../../test/support/agent-rows.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { AgentsRepo } from './agents-repo.js';
import { openDatabase, type Db } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import type { AgentRow } from './ports/agents.js';

const row = agentRow;

describe('AgentsRepo.loadAll', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });

  it('returns every row as saved, each with its own effective config, whether shared, distinct, unhashed or absent', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new AgentsRepo(db);
    const shared = '{"collector.yaml":{"body":"receivers: {}\\n","contentType":"text/yaml"}}';
    const rows = [
      row('a1', shared),
      row('a2', '{"collector.yaml":{"body":"exporters: {}\\n","contentType":"text/yaml"}}'),
      row('a3', shared),
      row('a4', null),
      row('a5', '{"other.yaml":{"body":"x: 1\\n","contentType":"text/yaml"}}', null),
      row('a6', shared),
    ];
    repo.saveMany(rows);

    const loaded = repo.loadAll().map(({ replica: _replica, ...r }) => r);
    expect(loaded.sort((x, y) => x.uid.localeCompare(y.uid))).toEqual(rows);
    // The scan's memory map is switched off again.
    expect(db.pragma('mmap_size', { simple: true })).toBe(0);
  });

  it('loads them as saved too when most agents report a config of their own (read by one scan, not a lookup each)', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new AgentsRepo(db);
    const rows = Array.from({ length: 2_201 }, (_, i) => row(`b${String(i).padStart(5, '0')}`, i % 20 === 0 ? '{"shared":{}}' : `{"own-${i}":{}}`));
    repo.saveMany(rows);
    const loaded = repo
      .loadAll()
      .map(({ replica: _replica, ...r }) => r)
      .sort((x, y) => x.uid.localeCompare(y.uid));
    expect(loaded).toEqual(rows);
  });
});

describe('AgentsRepo: effective configs stored once per hash', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });

  const configA = '{"collector.yaml":{"body":"receivers: {otlp: {}}\\n","contentType":"text/yaml"}}';
  const configB = '{"collector.yaml":{"body":"receivers: {filelog: {}}\\n","contentType":"text/yaml"}}';
  const stored = () => db.prepare('SELECT hash, config FROM effective_configs ORDER BY hash').all() as Array<{ hash: string; config: string }>;
  const rowText = (uid: string) => db.prepare('SELECT effective_config FROM agents WHERE uid = ?').pluck().get(uid);
  const strip = (rows: AgentRow[]) => rows.map(({ replica: _replica, ...r }) => r).sort((x, y) => x.uid.localeCompare(y.uid));

  function open(): AgentsRepo {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    return new AgentsRepo(db);
  }

  it('keeps only the hash in the row and one text per hash, and reads back the exact text', () => {
    const repo = open();
    const rows = [row('a1', configA), row('a2', configA), row('a3', configB), row('a4', '{"own":{}}', null)];
    repo.saveMany(rows);

    expect(rowText('a1')).toBeNull();
    expect(rowText('a3')).toBeNull();
    expect(rowText('a4')).toBe('{"own":{}}'); // no hash: the row keeps its text
    expect(stored()).toEqual(
      [
        { hash: sha256(configA), config: configA },
        { hash: sha256(configB), config: configB },
      ].sort((x, y) => x.hash.localeCompare(y.hash)),
    );
    expect(strip(repo.byUids(['a1', 'a3', 'a4']))).toEqual([rows[0], rows[2], rows[3]]);
    expect(strip(new AgentsRepo(db).loadAll())).toEqual(rows);
  });

  it('reads a changed config, prunes the one no agent refers to, and stores it again when an agent reports it later', () => {
    const repo = open();
    repo.saveMany([row('a1', configA), row('a2', configB)]);
    repo.saveMany([row('a1', configB)]);
    expect(strip(repo.byUids(['a1']))).toEqual([row('a1', configB)]);

    expect(repo.pruneEffectiveConfigs()).toBe(1);
    expect(stored()).toEqual([{ hash: sha256(configB), config: configB }]);
    // This process stored configA before the prune: it must not take it as still stored.
    repo.saveMany([row('a3', configA)]);
    expect(strip(repo.byUids(['a3']))).toEqual([row('a3', configA)]);
    expect(stored()).toHaveLength(2);
  });

  it('prunes the config of a deleted agent at the next start', () => {
    const repo = open();
    repo.saveMany([row('a1', configA), row('a2', configB), row('a3', configB)]);
    repo.delete('a1');
    repo.delete('a2');
    expect(stored()).toHaveLength(2);
    expect(strip(new AgentsRepo(db).loadAll())).toEqual([row('a3', configB)]);
    expect(stored()).toEqual([{ hash: sha256(configB), config: configB }]);
  });

  it('does not take a config as stored when the transaction around the save rolls back', () => {
    const repo = open();
    expect(() =>
      db.transaction(() => {
        repo.saveMany([row('a1', configA)]);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(stored()).toEqual([]);
    repo.saveMany([row('a2', configA)]);
    expect(strip(repo.byUids(['a2']))).toEqual([row('a2', configA)]);
  });

  it('migration 009 moves the texts of a pre-009 database into effective_configs, once per hash', () => {
    dir = tempDir();
    const file = join(dir, 'old.db');
    const old = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version <= 8)) old.exec(m.sql);
    old.pragma('user_version = 8');
    const rows = [row('a1', configA), row('a2', configA), row('a3', configB), row('a4', '{"own":{}}', null), row('a5', null)];
    const insert = old.prepare(`INSERT INTO agents (uid, first_seen, last_seen, transport, capabilities, description, health,
      effective_config, effective_config_hash, remote_config_status, package_statuses, available_components,
      custom_capabilities, connection_settings_status, disconnected_at)
      VALUES (@uid, @first_seen, @last_seen, @transport, @capabilities, @description, @health, @effective_config,
      @effective_config_hash, @remote_config_status, @package_statuses, @available_components, @custom_capabilities,
      @connection_settings_status, @disconnected_at)`);
    for (const r of rows) insert.run(r);
    old.close();

    db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(stored()).toEqual(
      [
        { hash: sha256(configA), config: configA },
        { hash: sha256(configB), config: configB },
      ].sort((x, y) => x.hash.localeCompare(y.hash)),
    );
    expect(['a1', 'a2', 'a3', 'a4', 'a5'].map(rowText)).toEqual([null, null, null, '{"own":{}}', null]);
    expect(strip(new AgentsRepo(db).loadAll())).toEqual(rows);
    expect(strip(new AgentsRepo(db).byUids(['a2', 'a4']))).toEqual([rows[1], rows[3]]);
  });
});
