/**
 * Identity binding across replicas (SECURITY.md, "Identity binding"): an agent that authenticated
 * with its own token on replica 1 is bound on every replica. A host holding only the shared
 * enrollment token that claims its uid on replica 2 gets a fresh uid of its own, and a token
 * revoked on replica 1 is refused on replica 2 at once (npm run test:pg only).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerFlags } from '../../src/gen/opamp/v1/opamp_pb.js';
import { uidToString } from '../../src/protocol/uid.js';
import { fingerprintOfHash, hashSecret, newToken } from '../../src/shared/secrets.js';
import { api } from '../support/crash.js';
import { testPgUrl } from '../support/pg.js';
import { startReplicas } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

const REQUEST_UID = BigInt(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid);
const servers: ServerProcess[] = [];
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM').catch(() => undefined)));
});

function agent(opts: ConstructorParameters<typeof TestAgent>[0]): TestAgent {
  const a = new TestAgent(opts);
  agents.push(a);
  return a;
}

describe.skipIf(testPgUrl() === undefined)('identity binding across replicas', () => {
  it('a uid bound on replica 1 cannot be claimed with the enrollment token on replica 2; a revocation on 1 holds on 2', async () => {
    const { db } = await startReplicas(2, 'binding', servers);
    const [r1, r2] = servers as [ServerProcess, ServerProcess];

    // The victim's own token, registered as rotation would (bound to its uid, not used yet).
    const token = newToken('ampa');
    const victim = agent({ url: r1.opampWs, token, identifying: { 'service.name': 'payments' } });
    const credentialId = randomUUID();
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      const hash = hashSecret(token);
      await c.query(`INSERT INTO agent_credentials (id, kind, secret_hash, fingerprint, agent_uid, created_at) VALUES ($1, 'agent_token', $2, $3, $4, $5)`, [
        credentialId,
        hash,
        fingerprintOfHash(hash),
        victim.uidText,
        Date.now(),
      ]);
    } finally {
      await c.end();
    }
    // The victim authenticates on replica 1 with it: from now on the uid is bound everywhere.
    expect((await victim.start()).errorResponse).toBeUndefined();
    await eventually(async () => (await api<{ connected: boolean }>(r2, 'GET', `/api/agents/${victim.uidText}`)).body.connected, 10_000);

    const attacker = agent({ url: r2.opampWs, token: ENROLLMENT_TOKEN, uid: victim.uid });
    await attacker.connect();
    const rekey = await attacker.send({ capabilities: DEFAULT_CAPS, flags: REQUEST_UID, health: { healthy: false, status: 'forged' } });
    const fresh = rekey.agentIdentification?.newInstanceUid;
    expect(fresh?.length).toBe(16);
    expect(uidToString(fresh!)).not.toBe(victim.uidText);
    expect(victim.closeCode).toBeUndefined();

    // An enrollment token revoked through replica 1 is refused by replica 2 at once, although
    // replica 2 verified it a moment before.
    const created = await api<{ token: { id: string }; secret: string }>(r1, 'POST', '/api/enrollment-tokens', {});
    expect(created.status).toBe(201);
    const newcomer = agent({ url: r2.opampWs, token: created.body.secret });
    expect((await newcomer.start()).errorResponse).toBeUndefined();
    await newcomer.close();
    expect((await api(r1, 'DELETE', `/api/enrollment-tokens/${created.body.token.id}`)).status).toBe(200);
    const refusedAt = Date.now();
    await eventually(async () => {
      const again = agent({ url: r2.opampWs, token: created.body.secret });
      try {
        await again.start();
        return false;
      } catch {
        return true;
      } finally {
        await again.close();
      }
    }, 10_000);
    // The feed reaches replica 2 within a moment; the cache's own 5 s bound is not what refused it.
    expect(Date.now() - refusedAt).toBeLessThan(2_500);
  });
});
