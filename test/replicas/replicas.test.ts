/**
 * Three `ampgate serve` replicas on one PostgreSQL database (npm run test:pg only), agents spread
 * over them as a load balancer would. A config push proposed and approved on replica 1 reaches the
 * agents held by replicas 2 and 3 (through the store's LISTEN/NOTIFY feed); replica 2 is killed
 * with SIGKILL mid-rollout, its agents reconnect to replica 3, the dead replica's agents are
 * recorded as disconnected, and the rollout completes exactly once: one attempt and one outcome per
 * agent, one result in the audit log, no offer twice on a connection, and the chain verifies.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import { api, approvedPush, auditRows, finished } from '../support/crash.js';
import { collectorConfig } from '../support/fleet-fixtures.js';
import { inBatches, LeanAgent } from '../support/lean-agents.js';
import { testPgUrl } from '../support/pg.js';
import { startReplicas } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';

const AGENTS = 30;
const servers: ServerProcess[] = [];
const agents: LeanAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM').catch(() => undefined)));
});

interface Health {
  status: string;
  agents: { connected: number };
  database: { kind: string; ok: boolean };
  replica: { id: string; jobs: string[]; replicas: Array<{ id: string; alive: boolean }> };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(testPgUrl() === undefined)('replicas on one PostgreSQL database', () => {
  it('a push approved on replica 1 reaches agents on 2 and 3; kill -9 of replica 2 mid-rollout; it completes exactly once', async () => {
    const { db } = await startReplicas(3, 'replicas', servers);
    const [r1, r2, r3] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const health = async (s: ServerProcess) => (await api<Health>(s, 'GET', '/healthz')).body;
    const h2 = await health(r2);
    expect(h2.database).toMatchObject({ kind: 'postgres', ok: true });
    expect(h2.replica.replicas.filter((r) => r.alive)).toHaveLength(3);

    // Agent i connects to replica i % 3, as a load balancer without sticky sessions would spread them.
    let applied = 0;
    let killed: Promise<unknown> | undefined;
    const onApplied = () => {
      if (++applied >= AGENTS / 3 && !killed) killed = r2.kill('SIGKILL');
    };
    for (let i = 0; i < AGENTS; i++) {
      const server = servers[i % 3]!;
      agents.push(
        new LeanAgent({
          url: server.opampWs,
          token: ENROLLMENT_TOKEN,
          identifying: { 'service.name': 'spread' },
          applyDelayMs: [50, 400],
          reconnectMs: 150,
          onApplied,
        }),
      );
    }
    await inBatches(agents, 30, (a) => a.connect());
    // Every replica sees every agent connected, whichever replica holds it.
    for (const s of servers) await eventually(async () => (await health(s)).agents.connected === AGENTS, 20_000, 100);

    const body = collectorConfig('otlp');
    const { request, configHash: hash } = await approvedPush(r1, {
      name: 'spread',
      body,
      selector: 'service.name=spread',
      params: { canary: '10%', bakeSeconds: 0, stageTimeoutSeconds: 120, pendingWaitSeconds: 60 },
      reason: 'replica test rollout',
    });

    // The kill comes from the agents' side once a third have applied; replica 2's agents then go to replica 3.
    await eventually(() => killed, 60_000, 20);
    await killed;
    const dead = h2.replica.id;
    for (let i = 1; i < AGENTS; i += 3) agents[i]!.opts.url = r3.opampWs;
    const during = await api<ChangeRequest>(r1, 'GET', `/api/changes/${request.id}`);
    expect(during.body.state).toBe('executing'); // the kill hit a running rollout

    const done = await finished<ChangeRequest>(r1, request.id, 90_000);
    expect(done.state).toBe('succeeded');
    expect(done.outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(AGENTS);
    const isApplied = (a: LeanAgent) => a.remote?.hash === hash && a.remote.status === RemoteConfigStatuses.RemoteConfigStatuses_APPLIED;
    await eventually(() => agents.every(isApplied), 30_000, 50);
    for (const a of agents) expect(a.effective).toBe(body);
    // Agents of replica 2 that were offered the config before it died got the offer from replica 2 or 3, never twice on one connection.
    const twice = agents.flatMap((a) => [...a.offers].filter(([, hashes]) => (hashes.get(hash) ?? 0) > 1).map(([c]) => `${a.uidText}#${c}`));
    expect(twice).toEqual([]);
    expect(agents.filter((_, i) => i % 3 === 1).every((a) => a.connections >= 2)).toBe(true);

    // Exactly once: one attempt per agent for this change, one result in the audit log, one linear chain.
    const perAgent = await sql<{ uid: string; n: string }>(db, 'SELECT uid, count(*) AS n FROM config_attempts WHERE change_id = $1 GROUP BY uid', [
      request.id,
    ]);
    expect(perAgent).toHaveLength(AGENTS);
    expect(perAgent.filter((r) => Number(r.n) !== 1)).toEqual([]);
    const audit = await auditRows(r3);
    expect(audit.filter((e) => e.action === 'change.result' && e.requestId === request.id)).toHaveLength(1);
    expect(audit.map((e) => e.seq)).toEqual(audit.map((_, i) => i + 1));
    for (const s of [r1, r3]) expect((await api<{ ok: boolean }>(s, 'GET', '/api/audit/verify')).body.ok).toBe(true);

    // The dead replica holds nothing: its agents were released, and every replica sees it gone.
    await eventually(async () => (await sql(db, 'SELECT uid FROM agents WHERE replica = $1', [dead])).length === 0, 20_000, 100);
    const h3 = await health(r3);
    expect(h3.replica.replicas.find((r) => r.id === dead)?.alive ?? false).toBe(false);
    expect(h3.replica.replicas.filter((r) => r.alive)).toHaveLength(2);
    await eventually(async () => (await health(r1)).agents.connected === AGENTS, 20_000, 100);
  }, 180_000);
});
