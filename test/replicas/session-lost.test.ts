/**
 * A replica whose cluster session to PostgreSQL is cut (its advisory locks are gone, so the other
 * replicas take over its agents and jobs) must not keep serving: `ampgate serve` stops its
 * listeners and exits non-zero, so a process manager starts it again (npm run test:pg only).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { testPgUrl } from '../support/pg.js';
import { startReplicas } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';

const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGKILL').catch(() => undefined)));
});

describe.skipIf(testPgUrl() === undefined)('a replica that loses its database session', () => {
  it('stops serving and exits with status 1', async () => {
    const { db } = await startReplicas(1, 'lost', servers);
    const server = servers[0]!;
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    expect((await fetch(`${server.controlUrl}/healthz`)).status).toBe(200);

    const admin = new pg.Client({ connectionString: db });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ampgate-replica'`,
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    } finally {
      await admin.end();
    }

    expect(await exited).toBe(1);
    expect(server.output()).toMatch(/lost its database session/);
    await expect(fetch(`${server.controlUrl}/healthz`)).rejects.toThrow();
  });
});
