import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { AgentsRepo } from './agents-repo.js';
import { openDatabase, type Db } from './db.js';
import type { AgentRow } from './ports/agents.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function row(uid: string, config: string | null, hash: string | null = config === null ? null : sha256(config)): AgentRow {
  return {
    uid,
    first_seen: 1,
    last_seen: 2,
    transport: 'ws',
    capabilities: '7',
    description: JSON.stringify({ identifying: { 'service.name': uid } }),
    health: '{"healthy":true}',
    effective_config: config,
    effective_config_hash: hash,
    remote_config_status: null,
    package_statuses: null,
    available_components: null,
    custom_capabilities: null,
    connection_settings_status: null,
    disconnected_at: 3,
  };
}

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
