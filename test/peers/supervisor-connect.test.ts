/**
 * Scenario 1: the OpAMP Supervisor (with its Collector) connects with the enrollment token, and
 * its identifying attributes, capabilities, health and effective config show in the REST API. A
 * Supervisor with a wrong token gets 401 and keeps retrying without harm to the server or to the
 * other agent.
 */
import { expect, it } from 'vitest';
import { agent, api, ENROLLMENT_TOKEN, eventually, startAmpgate } from './support/ampgate.js';
import { startSupervisor } from './support/supervisor.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

it('shows a Supervisor-managed Collector in the REST API, and a wrong token gets 401 while the Supervisor keeps retrying', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const good = await startSupervisor(dir, 'good', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN });

  const view = await eventually(
    async () => {
      const a = await agent(amp.proc, good.uid);
      return a?.connected && a.healthy && a.effectiveConfig ? a : undefined;
    },
    60_000,
    250,
  );
  expect(view.identifyingAttributes['service.name']).toBe('checkout');
  expect(view.identifyingAttributes['service.instance.id']).toBe(good.uid);
  expect(view.identifyingAttributes['service.version']).toMatch(/^0\.149\.0/);
  expect(view.nonIdentifyingAttributes['deployment.environment']).toBe('interop');
  expect(view.capabilities).toEqual(
    expect.arrayContaining([
      'ReportsStatus',
      'AcceptsRemoteConfig',
      'ReportsEffectiveConfig',
      'ReportsHealth',
      'ReportsRemoteConfig',
      'AcceptsRestartCommand',
      'AcceptsOpAMPConnectionSettings',
      'ReportsHeartbeat',
    ]),
  );
  expect(view.health?.healthy).toBe(true);
  // The effective config is the one the Collector runs, as its opamp extension reports it through
  // the Supervisor: the Supervisor's own opamp extension is in it.
  const effective = Object.values(view.effectiveConfig!)[0]!.body;
  expect(effective).toMatch(/extensions:\s*\n\s+opamp:/);
  expect(effective).toContain(good.uid);

  const bad = await startSupervisor(dir, 'bad', { endpoint: amp.proc.opampWs, token: 'ampe_wrong-token-0123456789abcdefghijklmnopqrstuvwxyz' });
  // Two refused attempts prove the retry loop; the server answers 401 to each.
  await eventually(() => (bad.log().match(/Failed to connect to the server/g) ?? []).length >= 2, 60_000, 250);
  expect(bad.log()).toMatch(/401/);
  expect(bad.log()).not.toMatch(/Connected to the server/);
  expect(bad.child.exited()).toBe(false);
  expect(await agent(amp.proc, bad.uid)).toBeUndefined();

  // No harm: the server is healthy, the good agent is still connected and the bad one is not known.
  const health = await api<{ agents: { connected: number; known: number } }>(amp.proc, 'GET', '/healthz');
  expect(health.status).toBe(200);
  expect(health.body.agents).toMatchObject({ connected: 1, known: 1 });
  expect((await agent(amp.proc, good.uid))?.connected).toBe(true);
});
