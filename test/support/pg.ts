/**
 * PostgreSQL for the suites under `npm run test:pg` (vitest.pg.config.ts): the global setup starts
 * a throwaway cluster and puts its URL in AMPGATE_TEST_PG_URL; each test server gets a database of
 * its own, named after its folder (a server restarted on the same folder finds its data again).
 */
import pg from 'pg';

/** The cluster's URL under `npm run test:pg`; undefined in the ordinary (SQLite) run. */
export function testPgUrl(): string | undefined {
  return process.env.AMPGATE_TEST_PG_URL || undefined;
}

/** The URL of database `name` on the test cluster, created when missing. */
export async function pgDatabaseFor(name: string): Promise<string> {
  const base = testPgUrl();
  if (!base) throw new Error('AMPGATE_TEST_PG_URL is not set (run npm run test:pg)');
  const db = `t_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    // Two test files may create the same database at once: the loser finds it made.
    if (!rowCount)
      await client.query(`CREATE DATABASE ${db}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}
