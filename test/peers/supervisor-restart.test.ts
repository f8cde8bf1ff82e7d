/**
 * Scenario 4: a restart change request reaches the Collector under the Supervisor (a new process,
 * with a later start time than before) and is confirmed; an agent without AcceptsRestartCommand
 * (a Supervisor with accepts_restart_command: false) is listed as ineligible.
 */
import { expect, it } from 'vitest';
import { agent, approve, createPeople, ENROLLMENT_TOKEN, finished, propose, startAmpgate } from './support/ampgate.js';
import { processStartTicks } from './support/children.js';
import { startSupervisor, until } from './support/supervisor.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

it('restarts the Collector under the Supervisor and lists agents without the capability as ineligible', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const people = await createPeople(amp.proc);
  const restartable = await startSupervisor(dir, 'restartable', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN });
  const fixed = await startSupervisor(dir, 'fixed', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN, acceptsRestart: false });
  const before = await until(restartable, 'healthy with a start time', async () => {
    const a = await agent(amp.proc, restartable.uid);
    const pid = restartable.collectorPid();
    return a?.healthy && a.health?.startTimeUnixNano !== '0' && pid
      ? { pid, ticks: processStartTicks(pid)!, start: BigInt(a.health!.startTimeUnixNano) }
      : undefined;
  });
  await until(fixed, 'connected', async () => (await agent(amp.proc, fixed.uid))?.healthy);
  expect((await agent(amp.proc, fixed.uid))!.capabilities).not.toContain('AcceptsRestartCommand');

  const change = await propose(amp.proc, people, {
    kind: 'restart',
    target: { selector: 'service.name=checkout' },
    params: { timeoutSeconds: 60 },
    reason: 'interop: restart',
  });
  expect(change.targets).toEqual([restartable.uid]);
  expect(change.ineligible).toEqual([{ uid: fixed.uid, reason: expect.stringMatching(/AcceptsRestartCommand/) }]);
  await approve(amp.proc, people, change);
  const done = await finished(amp.proc, change.id, 90_000);
  expect(done.state).toBe('succeeded');
  expect(done.outcomes.find((o) => o.uid === restartable.uid)).toMatchObject({ status: 'succeeded' });

  // The Collector is a new process, started after the old one, and reports a later start time.
  const after = await until(restartable, 'new Collector process', async () => {
    const pid = restartable.collectorPid();
    const a = await agent(amp.proc, restartable.uid);
    return pid && pid !== before.pid && a?.healthy ? { pid, ticks: processStartTicks(pid)!, start: BigInt(a.health!.startTimeUnixNano) } : undefined;
  });
  expect(after.ticks).toBeGreaterThanOrEqual(before.ticks);
  expect(after.start).toBeGreaterThan(before.start);
  expect(restartable.log()).toMatch(/Received restart command/);
  expect(fixed.log()).not.toMatch(/Received restart command/);
});
