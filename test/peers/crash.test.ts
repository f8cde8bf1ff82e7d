/**
 * Scenario 8: `kill -9` of ampgate in the middle of a staged rollout to three real Supervisors.
 * A new process on the same database and ports takes over; the Supervisors reconnect by
 * themselves, the rollout completes, and no connection is offered the config twice (a tap
 * records every ServerToAgent per connection).
 */
import { expect, it } from 'vitest';
import { addConfig, agent, approve, createPeople, ENROLLMENT_TOKEN, finished, getChange, propose, startAmpgate } from './support/ampgate.js';
import { startSupervisor, until, type Supervisor } from './support/supervisor.js';
import { startTap } from './support/tap.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

it('completes a rollout after kill -9 of ampgate with real Supervisors connected, offering nothing twice', async () => {
  const dir = sceneDir();
  const tap = await startTap();
  const amp = await startAmpgate(dir);
  tap.target = amp.proc.opampWs;
  const people = await createPeople(amp.proc);
  const sups: Supervisor[] = [];
  for (let i = 0; i < 3; i++) sups.push(await startSupervisor(dir, `sup${i}`, { endpoint: tap.url, token: ENROLLMENT_TOKEN, serviceName: 'crash' }));
  for (const s of sups) await until(s, 'healthy', async () => (await agent(amp.proc, s.uid))?.healthy);

  // Three Collectors on one machine: a config that binds no port.
  const body = 'receivers:\n  nop: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [nop]\n      exporters: [debug]\n';
  await addConfig(amp.proc, people, 'crash-gw', body);
  const change = await propose(amp.proc, people, {
    kind: 'config_push',
    target: { selector: 'service.name=crash' },
    params: { config: 'crash-gw', canary: 1, bakeSeconds: 8, stageTimeoutSeconds: 120 },
    reason: 'interop: crash',
  });
  await approve(amp.proc, people, change);

  // Kill -9 while the canary is baking: it has APPLIED, the other two have not been sent anything.
  const canary = await until(sups[0]!, 'canary APPLIED', async () => {
    for (const s of sups) if ((await agent(amp.proc, s.uid))?.remoteConfigStatus?.status === 'APPLIED') return s;
    return undefined;
  });
  const hash = (await agent(amp.proc, canary.uid))!.remoteConfigStatus!.hash;
  expect((await getChange(amp.proc, change.id)).state).toBe('executing');
  await amp.proc.kill('SIGKILL');
  const connectionsAtKill = tap.connections.length;
  await amp.restart();

  const done = await finished(amp.proc, change.id, 150_000);
  expect(done.state).toBe('succeeded');
  for (const s of sups) expect((await agent(amp.proc, s.uid))?.remoteConfigStatus).toMatchObject({ hash, status: 'APPLIED' });
  // Every Supervisor reconnected to the new process by itself.
  expect(tap.connections.length).toBeGreaterThanOrEqual(connectionsAtKill + 3);

  // Nothing offered twice: at most one offer of the config per connection, and the canary, which
  // had applied it before the kill, is never offered it again.
  const offersOf = (uid: string) =>
    tap.connections.map((c) => c.messages.filter((m) => m.remoteConfig && Buffer.from(m.instanceUid).toString('hex') === uid.replaceAll('-', '')).length);
  for (const s of sups) {
    const perConnection = offersOf(s.uid);
    expect(Math.max(...perConnection)).toBeLessThanOrEqual(1);
    expect(perConnection.reduce((a, b) => a + b, 0)).toBe(1);
  }
});
