/**
 * Replicas started together on an empty shared database, without AMPGATE_ADMIN_TOKEN or
 * AMPGATE_ENROLLMENT_TOKEN: exactly one of them creates the first-start tokens (one admin token,
 * one enrollment token, one secrets file), and the tokens it wrote work on every replica
 * (npm run test:pg only). The check and the creation run in one durable transaction, which takes
 * the cluster-wide writer lock; the window between two replicas' checks is too narrow to hit
 * reliably here, so this proves the outcome, not the interleaving.
 */
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { firstStartFile } from '../../src/creds/first-start-secrets.js';
import { startServerProcess } from '../support/crash.js';
import { testPgUrl } from '../support/pg.js';
import { replicaEnv, replicaSet } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';

const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM').catch(() => undefined)));
});

describe.skipIf(testPgUrl() === undefined)('first start of replicas on an empty database', () => {
  it('creates one admin token and one enrollment token, whichever replica wins', async () => {
    const set = await replicaSet(3, 'first');
    const { db, dirs } = set;
    const envs = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const { AMPGATE_ADMIN_TOKEN: _a, AMPGATE_ENROLLMENT_TOKEN: _e, ...env } = await replicaEnv(set, i);
        return env;
      }),
    );
    servers.push(...(await Promise.all(envs.map((env) => startServerProcess(env)))));

    const files = dirs.map(firstStartFile).filter((f) => existsSync(f));
    expect(files).toHaveLength(1);
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      const admins = await c.query(`SELECT id FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL`);
      const enrollment = await c.query(`SELECT id FROM agent_credentials WHERE kind = 'enrollment' AND revoked_at IS NULL`);
      expect(admins.rowCount).toBe(1);
      expect(enrollment.rowCount).toBe(1);
    } finally {
      await c.end();
    }
    const admin = /ampk_[A-Za-z0-9_-]+/.exec(readFileSync(files[0]!, 'utf8'))?.[0];
    expect(admin).toBeDefined();
    for (const s of servers) {
      const r = await fetch(`${s.controlUrl}/api/agents`, { headers: { Authorization: `Bearer ${admin}` } });
      expect(r.status).toBe(200);
    }
  });
});
