/**
 * Scenario 3: pause and resume.
 * - On the real Supervisor (no io.opentelemetry.pause, so ampgate pushes its stand-in config):
 *   paused means telemetry stops (a span sent to the Collector reaches nothing) and ampgate says
 *   paused only once the effective config shows nothing runs; resume restores exactly the prior
 *   config and telemetry flows again.
 * - On an agent that merges remote config onto its local config (opamp-go's example agent
 *   behaviour, in ampgate-goagent -merge-local): ampgate reports the pause as NOT effective, says
 *   why, and puts the prior config back.
 */
import { expect, it } from 'vitest';
import { freePort } from '../support/crash.js';
import {
  addConfig,
  agent,
  api,
  approve,
  createPeople,
  ENROLLMENT_TOKEN,
  eventually,
  finished,
  propose,
  startAmpgate,
  type Ampgate,
} from './support/ampgate.js';
import { EXAMPLE_LOCAL_CONFIG, startGoAgent } from './support/goagent.js';
import { collectorConfig, sendSpan, startSink } from './support/otlp.js';
import { startSupervisor, until } from './support/supervisor.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

async function run(amp: Ampgate, people: Awaited<ReturnType<typeof createPeople>>, body: Record<string, unknown>) {
  const change = await propose(amp.proc, people, body);
  await approve(amp.proc, people, change);
  return finished(amp.proc, change.id, 120_000);
}

const body = (a: Awaited<ReturnType<typeof agent>>) => Object.values(a!.effectiveConfig ?? {})[0]?.body ?? '';

it('pauses the Collector under the Supervisor (telemetry stops, effective config proves it) and resume restores exactly the prior config', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const sink = await startSink();
  const people = await createPeople(amp.proc);
  const port = await freePort();
  const sup = await startSupervisor(dir, 'sup', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN });
  await until(sup, 'healthy', async () => (await agent(amp.proc, sup.uid))?.healthy);
  await addConfig(amp.proc, people, 'gw', collectorConfig({ otlpPort: port, sinkUrl: sink.url, exporter: 'live', path: 'live' }));
  expect(
    (
      await run(amp, people, {
        kind: 'config_push',
        target: { agents: [sup.uid] },
        params: { config: 'gw', canary: '100%', bakeSeconds: 0 },
        reason: 'interop',
      })
    ).state,
  ).toBe('succeeded');
  const prior = (await agent(amp.proc, sup.uid))!.remoteConfigStatus!.hash;
  let n = 0;
  const flows = async () => {
    const name = `span-${++n}`;
    return (await sendSpan(port, name)) === 200 && (await eventually(() => sink.spans('/live/traces').includes(name), 2_000, 50).catch(() => false));
  };
  await eventually(flows, 30_000, 250);

  const paused = await run(amp, people, { kind: 'pause', target: { agents: [sup.uid] }, params: { timeoutSeconds: 60 }, reason: 'interop: pause' });
  expect(paused.state).toBe('succeeded');
  expect(paused.outcomes[0]!.detail).toMatch(/^paused \(stand-in config/);
  // The effective config the Collector reports runs only the nop pipeline (plus the Supervisor's
  // opamp extension), and a span sent now reaches nothing.
  const during = await agent(amp.proc, sup.uid);
  expect(body(during)).toContain('traces/ampgate-paused');
  expect(body(during)).not.toMatch(/otlphttp\/live/);
  const received = sink.spans('/live/traces').length;
  expect(await sendSpan(port, 'while-paused')).toBe(0);
  await new Promise((r) => setTimeout(r, 1_000));
  expect(sink.spans('/live/traces')).toHaveLength(received);
  const rc = (await api<{ pause: { state: string } | null }>(amp.proc, 'GET', `/api/agents/${sup.uid}/remote-config`)).body;
  expect(rc.pause).toMatchObject({ state: 'paused' });

  const resumed = await run(amp, people, { kind: 'resume', target: { agents: [sup.uid] }, params: { timeoutSeconds: 60 }, reason: 'interop: resume' });
  expect(resumed.state).toBe('succeeded');
  expect((await agent(amp.proc, sup.uid))!.remoteConfigStatus).toMatchObject({ hash: prior, status: 'APPLIED' });
  await eventually(flows, 30_000, 250);
});

it('reports the pause of an agent that merges remote config onto its local config as not effective, and says why', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const people = await createPeople(amp.proc);
  const ga = startGoAgent(dir, 'example', { endpoint: amp.proc.opampWs, token: ENROLLMENT_TOKEN, localConfig: EXAMPLE_LOCAL_CONFIG, args: ['-merge-local'] });
  const before = await eventually(
    async () => {
      const a = await agent(amp.proc, ga.uid);
      return a?.effectiveConfig ? a : undefined;
    },
    30_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; agent output:\n${ga.child.output().slice(-3000)}`);
  });
  expect(body(before)).toMatch(/traces:\s*\n\s+(exporters|processors|receivers):/);

  const paused = await run(amp, people, { kind: 'pause', target: { agents: [ga.uid] }, params: { timeoutSeconds: 30 }, reason: 'interop: pause' });
  expect(paused.state).toBe('failed');
  const detail = paused.outcomes[0]!.detail;
  expect(detail).toMatch(/not effective/);
  expect(detail).toMatch(/still runs pipeline traces \(receivers: otlp\)/);
  expect(detail).toMatch(/merges remote config onto its local config/);
  expect(paused.resultSummary).not.toMatch(/^paused 1\//);
  // The agent really did apply the stand-in (merged): ampgate's verdict is about what runs.
  expect(ga.events().some((e) => e.event === 'remote_config' && e.status === 'RemoteConfigStatuses_APPLIED' && e.merged_onto_local === true)).toBe(true);
  // No pause is recorded, and its prior config (the captured local one) is back.
  const rc = (await api<{ pause: unknown }>(amp.proc, 'GET', `/api/agents/${ga.uid}/remote-config`)).body;
  expect(rc.pause).toBeNull();
  await eventually(async () => !body(await agent(amp.proc, ga.uid)).includes('ampgate-paused'), 30_000, 200);
});
