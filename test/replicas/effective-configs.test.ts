/**
 * Effective configs on PostgreSQL (npm run test:pg only): an agent row keeps only the hash, each
 * text is stored once, reads return the exact text, unreferenced texts are pruned at start-up, and
 * migration 009 moves the texts of a pre-009 database.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { toPostgres } from '../../src/store/migrations/dialect.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openPgStore, type PgStore } from '../../src/store/pg/pg-store.js';
import type { AgentRow } from '../../src/store/ports/agents.js';
import { agentRow, sha256 } from '../support/agent-rows.js';
import { pgDatabaseFor, testPgUrl } from '../support/pg.js';

const configA = '{"collector.yaml":{"body":"receivers: {otlp: {}}\\n","contentType":"text/yaml"}}';
const configB = '{"collector.yaml":{"body":"receivers: {filelog: {}}\\n","contentType":"text/yaml"}}';

const row = agentRow;

/** The rows without the replica column, in uid order. */
const strip = (rows: AgentRow[]) => rows.map(({ replica: _replica, ...r }) => r).sort((x, y) => x.uid.localeCompare(y.uid));

const stores: PgStore[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await Promise.all(clients.splice(0).map((c) => c.end()));
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

async function open(url: string): Promise<PgStore> {
  const s = await openPgStore(url);
  stores.push(s);
  return s;
}

describe.skipIf(testPgUrl() === undefined)('effective configs on PostgreSQL', () => {
  it('keeps only the hash in the row, one text per hash, reads the exact text, and prunes at start-up what no agent refers to', async () => {
    const url = await pgDatabaseFor(`cfgs_${Date.now()}`);
    const store = await open(url);
    const rows = [row('a1', configA), row('a2', configA), row('a3', configB), row('a4', '{"own":{}}', null)];
    store.agents.saveMany(rows);
    expect(strip(store.agents.byUids(['a1', 'a4']))).toEqual([rows[0], rows[3]]);

    const c = await client(url);
    const texts = await c.query('SELECT uid, effective_config FROM agents ORDER BY uid');
    expect(texts.rows.map((r: { effective_config: string | null }) => r.effective_config)).toEqual([null, null, null, '{"own":{}}']);
    const stored = async () => (await c.query('SELECT hash, config FROM effective_configs ORDER BY hash')).rows;
    expect(await stored()).toEqual(
      [
        { hash: sha256(configA), config: configA },
        { hash: sha256(configB), config: configB },
      ].sort((x, y) => x.hash.localeCompare(y.hash)),
    );

    // a1 and a2 move to configB: configA is left unreferenced, and pruned when a process starts.
    store.agents.saveMany([row('a1', configB), row('a2', configB)]);
    expect(strip(store.agents.byUids(['a1']))).toEqual([row('a1', configB)]);
    const next = await open(url);
    expect(strip(next.agents.loadAll())).toEqual([row('a1', configB), row('a2', configB), rows[2], rows[3]]);
    expect(await stored()).toEqual([{ hash: sha256(configB), config: configB }]);
    // The first process wrote configA before that prune; a later row with it is readable still.
    store.agents.saveMany([row('a5', configA)]);
    store.ping(); // after the write-behind batch
    expect(strip(next.agents.byUids(['a5']))).toEqual([row('a5', configA)]);
  });

  it('migration 009 moves the texts of a pre-009 database into effective_configs, once per hash', async () => {
    const url = await pgDatabaseFor(`cfgs_old_${Date.now()}`);
    const c = await client(url);
    await c.query('CREATE TABLE ampgate_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    for (const m of MIGRATIONS.filter((x) => x.version <= 8)) {
      await c.query(toPostgres(m.sql));
      await c.query('INSERT INTO ampgate_schema (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
    const rows = [row('a1', configA), row('a2', configA), row('a3', configB), row('a4', '{"own":{}}', null), row('a5', null)];
    for (const r of rows)
      await c.query(
        `INSERT INTO agents (uid, first_seen, last_seen, transport, capabilities, description, health, effective_config,
           effective_config_hash, disconnected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          r.uid,
          r.first_seen,
          r.last_seen,
          r.transport,
          r.capabilities,
          r.description,
          r.health,
          r.effective_config,
          r.effective_config_hash,
          r.disconnected_at,
        ],
      );

    const store = await open(url);
    expect((await c.query('SELECT max(version) AS v FROM ampgate_schema')).rows[0].v).toBe(MIGRATIONS.at(-1)!.version);
    const texts = await c.query('SELECT effective_config FROM agents ORDER BY uid');
    expect(texts.rows.map((r: { effective_config: string | null }) => r.effective_config)).toEqual([null, null, null, '{"own":{}}', null]);
    expect((await c.query('SELECT count(*)::int AS n FROM effective_configs')).rows[0].n).toBe(2);
    expect(strip(store.agents.loadAll())).toEqual(rows);
    expect(strip(store.agents.byUids(['a2', 'a4']))).toEqual([rows[1], rows[3]]);
  });
});
