/**
 * @module Applies the schema migrations (src/store/migrations, translated by dialect.ts) to a
 * PostgreSQL database, tracked in `ampgate_schema`. Replicas starting together take turns: the
 * first applies what is missing, the others find it done.
 */
import { toPostgres } from '../migrations/dialect.js';
import { MIGRATIONS } from '../migrations/index.js';
import { LOCK_NAMESPACE, type SyncPg } from './bridge.js';

const MIGRATE_LOCK = 2;

/** Brings the schema up to date; returns the version it is at. */
export function migratePg(pg: SyncPg): number {
  return pg.atomically(() => {
    pg.run('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATE_LOCK]);
    pg.run('CREATE TABLE IF NOT EXISTS ampgate_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const current = pg.row<{ v: number | null }>('SELECT max(version) AS v FROM ampgate_schema')?.v ?? 0;
    const newest = MIGRATIONS.at(-1)?.version ?? 0;
    if (current > newest) throw new Error(`the database schema is version ${current}, newer than this ampgate (${newest}): upgrade ampgate`);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      pg.run(toPostgres(m.sql));
      pg.run('INSERT INTO ampgate_schema (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
    return newest;
  });
}
