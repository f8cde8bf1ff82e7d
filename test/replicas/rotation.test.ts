/**
 * A credential rotation across replicas: the agent is held by replica 1, which makes the offer;
 * the offered endpoint (the load balancer's address in production) leads it to replica 2, where
 * it reconnects with the new token. Replica 1's execution sees the reconnection through the shared
 * store, and the request succeeds. A second rotation, approved on replica 2 where the agent now
 * is, revokes the first new token, which both replicas then refuse. A rotation approved on a
 * replica that does not hold the agent fails safely (npm run test:pg only; docs/scale-out.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { ConnectionSettingsBehaviour, CONN_SETTINGS_CAPS } from '../support/conn-settings-agent.js';
import { api, startServerProcess, token } from '../support/crash.js';
import { testPgUrl } from '../support/pg.js';
import { replicaEnv, replicaSet } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

const servers: ServerProcess[] = [];
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM').catch(() => undefined)));
});

describe.skipIf(testPgUrl() === undefined)('credential rotation across replicas', () => {
  it('an agent offered a token on replica 1 reconnects to replica 2; the rotation succeeds and revokes what it replaces', async () => {
    const set = await replicaSet(2, 'rotation');
    // Replica 2 first: offers made by replica 1 name replica 2's listener, as they would name the balancer.
    const r2 = await startServerProcess(await replicaEnv(set, 1));
    const r1 = await startServerProcess({ ...(await replicaEnv(set, 0)), AMPGATE_OPAMP_PUBLIC_URL: r2.opampWs });
    servers.push(r1, r2);

    const a = new TestAgent({ url: r1.opampWs, token: ENROLLMENT_TOKEN, capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS });
    agents.push(a);
    const cs = new ConnectionSettingsBehaviour(a);
    await a.start();
    const people = { alice: await token(r1, 'alice', 'proposer'), bob: await token(r1, 'bob', 'approver'), carol: await token(r1, 'carol', 'approver') };

    /** Proposed, approved and so executed on `on`. */
    const rotate = async (on: ServerProcess, timeoutSeconds = 20): Promise<ChangeRequest> => {
      const proposed = await api<{ request: ChangeRequest }>(
        on,
        'POST',
        '/api/changes',
        {
          kind: 'rotate_credentials',
          target: { agents: [a.uidText] },
          params: { credential: 'token', reconnectTimeoutSeconds: timeoutSeconds },
          reason: 'replica rotation',
        },
        people.alice,
      );
      expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
      const req = proposed.body.request;
      for (const who of [people.bob, people.carol]) {
        expect((await api(on, 'POST', `/api/changes/${req.id}/approve`, { fingerprint: req.fingerprint }, who)).status).toBe(200);
      }
      return eventually(async () => {
        const r = await api<ChangeRequest>(on, 'GET', `/api/changes/${req.id}`);
        return ['succeeded', 'partially_failed', 'failed'].includes(r.body.state) ? r.body : undefined;
      }, 40_000);
    };

    const first = await rotate(r1);
    expect(first.state, JSON.stringify(first.outcomes)).toBe('succeeded');
    expect(first.outcomes[0]!.detail).toMatch(/reconnected/);
    // It reconnected to replica 2, with the offered token.
    const held = await api<{ connected: boolean; replica?: string }>(r2, 'GET', `/api/agents/${a.uidText}`);
    expect(held.body.connected).toBe(true);
    const tokenA = cs.offers[0]!.settings.headers!.headers[0]!.value.replace('Bearer ', '');

    // The next rotation is approved where the agent now is: replica 2 executes it and makes the offer.
    const second = await rotate(r2);
    expect(second.state, JSON.stringify(second.outcomes)).toBe('succeeded');
    expect(second.outcomes[0]!.detail).toMatch(/old credential revoked/);
    for (const s of [r1, r2]) {
      const stale = new TestAgent({ url: s.opampWs, uid: a.uid, token: tokenA });
      agents.push(stale);
      await expect(stale.connect()).rejects.toMatchObject({ status: 401 });
    }

    // Approved on a replica that does not hold the agent: the new secret exists only in that
    // replica's memory, so no offer reaches the agent. The rotation fails safely (the agent keeps
    // its credential and stays connected; the unused new token is revoked), never half-done.
    const third = await rotate(r1, 3);
    expect(third.state).toBe('failed');
    expect(third.outcomes[0]!.detail).toMatch(/did not reconnect with the new credential within 3 s; kept token/);
    const still = await api<{ connected: boolean }>(r2, 'GET', `/api/agents/${a.uidText}`);
    expect(still.body.connected).toBe(true);
    expect((await a.heartbeat()).errorResponse).toBeUndefined();
  });
});
