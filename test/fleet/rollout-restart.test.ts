/**
 * A server restart in the middle of a rollout: the canary has the config but has not confirmed
 * when ampgate stops. A new server process on the same database resumes the execution; the canary
 * is re-offered the config after reconnecting, applies it, and the rollout continues to the rest,
 * which receive it exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startChange } from '../support/change-driver.js';
import { offersByHash } from '../support/fleet-behaviours.js';
import { AgentPool, collectorConfig, pushVersion, reattach } from '../support/fleet-fixtures.js';
import { eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';

const pool = new AgentPool();
const servers: TestServer[] = [];
let dir: string | undefined;

afterEach(async () => {
  await pool.closeAll();
  for (const s of servers.splice(0)) await s.stop();
  if (dir) removeDir(dir);
  dir = undefined;
});

describe('rollout across a server restart', () => {
  it('resumes from the stored stage and converges', async () => {
    dir = tempDir();
    const first = await startTestServer({}, dir);
    servers.push(first);
    // Created first, so it sorts first and becomes the canary; it does not apply before the restart.
    const slow = await pool.start(first, { applyRemoteConfig: false });
    const b = await pool.start(first);
    const c = await pool.start(first);
    const v1 = await pushVersion(first, 'gw', collectorConfig('debug'));

    const started = await startChange(first, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', canary: 1, bakeSeconds: 0, stageTimeoutSeconds: 60 },
    });
    await eventually(() => offersByHash(slow).get(v1.configHash) === 1);
    const before = (await first.api<{ state: string; stage: number }>('GET', `/api/rollouts/${started.id}`)).body;
    expect(before).toMatchObject({ state: 'running', stage: 1 });

    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    await Promise.all([slow.closed(), b.closed(), c.closed()]);
    expect(offersByHash(b).size + offersByHash(c).size).toBe(0);

    const second = await startTestServer({}, dir);
    servers.push(second);
    started.resumeOn(second);
    const slow2 = reattach(pool, slow, second, { applyRemoteConfig: true });
    const b2 = reattach(pool, b, second);
    const c2 = reattach(pool, c, second);
    for (const a of [slow2, b2, c2]) {
      await a.connect();
      await a.sendFull();
    }

    const done = await started.finished(20_000, second);
    expect(done.state).toBe('succeeded');
    expect(done.summary).toBe('applied on 3/3.');
    for (const a of [slow2, b2, c2]) {
      expect(a.effectiveConfig).toEqual({ '': collectorConfig('debug') });
      expect(offersByHash(a).get(v1.configHash)).toBe(1);
    }
    const after = (await second.api<{ state: string; stage: number }>('GET', `/api/rollouts/${started.id}`)).body;
    expect(after).toMatchObject({ state: 'completed', stage: 2 });

    // Later, with no change executing: after another restart an agent comes back having lost its
    // config (fresh install, no remote config status). Desired state from SQLite reconciles it.
    await second.stop();
    servers.splice(servers.indexOf(second), 1);
    const third = await startTestServer({}, dir);
    servers.push(third);
    const wiped = reattach(pool, c2, third);
    wiped.remoteConfigStatus = undefined;
    wiped.effectiveConfig = { 'collector.yaml': 'receivers: {}\n' };
    await wiped.connect();
    await wiped.sendFull();
    await eventually(() => wiped.effectiveConfig[''] === collectorConfig('debug'));
    expect(offersByHash(wiped).get(v1.configHash)).toBe(1);
    const rc = await eventually(async () => {
      const r = (await third.api<{ inSync: boolean; desired: { changeId: string } }>('GET', `/api/agents/${wiped.uidText}/remote-config`)).body;
      return r.inSync ? r : undefined;
    });
    expect(rc.desired.changeId).toBe(started.id);
  });
});
