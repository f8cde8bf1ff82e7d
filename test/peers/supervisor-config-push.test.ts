/**
 * Scenario 2 on two real Supervisors: a config push proposed by one person and approved by two
 * others is run by the Collector (a span sent to its OTLP receiver reaches the exporter that only
 * the new config names); a config the Collector cannot start with is reported FAILED by the
 * canary, the rollout halts before the second agent gets it, and a rollback restores service.
 */
import { expect, it } from 'vitest';
import { freePort } from '../support/crash.js';
import { addConfig, agent, api, approve, createPeople, ENROLLMENT_TOKEN, eventually, finished, propose, startAmpgate } from './support/ampgate.js';
import { collectorConfig, sendSpan, startSink, type Sink } from './support/otlp.js';
import { startSupervisor, until, type Supervisor } from './support/supervisor.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

/** The Collector's config with its OTLP port from its environment (each Supervisor sets its own). */
const config = (sinkUrl: string, exporter: string, path: string) =>
  collectorConfig({ otlpPort: 0, sinkUrl, exporter, path }).replace('127.0.0.1:0', '127.0.0.1:${env:OTLP_PORT}');

/** Sends spans until one arrives at `path` (the Collector may still be starting), bounded. */
async function delivered(s: Sink, port: number, path: string, label: string): Promise<string> {
  let n = 0;
  return eventually(
    async () => {
      const name = `${label}-${++n}`;
      if ((await sendSpan(port, name)) !== 200) return undefined;
      return (await eventually(() => s.spans(`/${path}/traces`).includes(name), 2_000, 50).catch(() => false)) ? name : undefined;
    },
    30_000,
    200,
  );
}

it('pushes a config the Collector runs, halts on a config it cannot start with, and rolls back', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const sink = await startSink();
  const people = await createPeople(amp.proc);
  const ports = [await freePort(), await freePort()];
  const sups: Supervisor[] = await Promise.all(
    ports.map((port, i) => startSupervisor(dir, `sup${i}`, { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN, collectorEnv: { OTLP_PORT: String(port) } })),
  );
  for (const s of sups) await until(s, 'healthy', async () => (await agent(amp.proc, s.uid))?.healthy === true);

  const push = async (version: number, extra: Record<string, unknown> = {}) => {
    const change = await propose(amp.proc, people, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', version, bakeSeconds: 1, stageTimeoutSeconds: 60, ...extra },
      reason: `interop: gw v${version}`,
    });
    expect(change.requester.name).toBe('alice');
    const approved = await approve(amp.proc, people, change);
    expect(approved.approvals.map((a) => a.principal.name).sort()).toEqual(change.requiredApprovals === 2 ? ['bob', 'carol'] : ['bob']);
    return finished(amp.proc, change.id, 120_000);
  };

  // v1, then v2 whose exporter (otlphttp/v2proof -> /v2/traces) exists only in v2.
  await addConfig(amp.proc, people, 'gw', config(sink.url, 'v1', 'v1'));
  expect((await push(1)).state).toBe('succeeded');
  await delivered(sink, ports[0]!, 'v1', 'before');
  const v2 = await addConfig(amp.proc, people, 'gw', config(sink.url, 'v2proof', 'v2'));
  const pushed = await push(v2);
  expect(pushed.state).toBe('succeeded');
  expect(pushed.requiredApprovals).toBe(2); // both agents: fleet-wide, high risk
  for (const [i, s] of sups.entries()) {
    const a = (await agent(amp.proc, s.uid))!;
    expect(a.remoteConfigStatus?.status).toBe('APPLIED');
    expect(Object.values(a.effectiveConfig!)[0]!.body).toContain('otlphttp/v2proof');
    const name = await delivered(sink, ports[i]!, 'v2', `after-${i}`);
    expect(sink.spans('/v1/traces')).not.toContain(name);
  }
  const appliedV2 = (await agent(amp.proc, sups[0]!.uid))!.remoteConfigStatus!.hash;

  // v3: valid for ampgate (every reference defined), but the Collector refuses an unknown key.
  const v3 = await addConfig(
    amp.proc,
    people,
    'gw',
    config(sink.url, 'v3', 'v3').replace(
      '        endpoint: 127.0.0.1:${env:OTLP_PORT}',
      '        endpoint: 127.0.0.1:${env:OTLP_PORT}\n        no_such_setting: true',
    ),
  );
  const broken = await push(v3, { canary: 1 });
  expect(broken.state).toBe('failed');
  const rollout = (
    await api<{ state: string; haltReason: string | null; targets: Array<{ uid: string; stage: number; state: string }> }>(
      amp.proc,
      'GET',
      `/api/rollouts/${broken.id}`,
    )
  ).body;
  const canary = rollout.targets.find((t) => t.stage === 1)!;
  const rest = rollout.targets.find((t) => t.stage === 2)!;
  expect(canary.state).toBe('failed');
  expect(rollout.haltReason).toMatch(/reported FAILED/);
  expect(rest.state).toBe('not_sent');
  const restAgent = (await agent(amp.proc, rest.uid))!;
  expect(restAgent.remoteConfigStatus).toMatchObject({ hash: appliedV2, status: 'APPLIED' });
  const canaryAgent = (await agent(amp.proc, canary.uid))!;
  expect(canaryAgent.remoteConfigStatus?.status).toBe('FAILED');
  expect(canaryAgent.remoteConfigStatus?.errorMessage).toMatch(/exited unexpectedly|timeout/i);
  const canaryPort = ports[sups.findIndex((s) => s.uid === canary.uid)]!;
  const restPort = ports[sups.findIndex((s) => s.uid === rest.uid)]!;
  expect(await sendSpan(canaryPort, 'while-broken')).toBe(0); // its Collector is down
  await delivered(sink, restPort, 'v2', 'rest-untouched');

  // Rollback: a new change request (alice proposes, two approve) puts v2 back on the canary.
  const rb = await api<{ requests: Array<{ request: { id: string; fingerprint: string; state: string; requiredApprovals: number } }> }>(
    amp.proc,
    'POST',
    `/api/rollouts/${broken.id}/rollback`,
    { reason: 'interop: restore v2' },
    people.alice,
  );
  expect(rb.status).toBe(201);
  const rollback = rb.body.requests[0]!.request as unknown as Parameters<typeof approve>[2];
  await approve(amp.proc, people, rollback);
  expect((await finished(amp.proc, rollback.id, 120_000)).state).toBe('succeeded');
  expect((await agent(amp.proc, canary.uid))!.remoteConfigStatus).toMatchObject({ hash: appliedV2, status: 'APPLIED' });
  await delivered(sink, canaryPort, 'v2', 'restored');
});
