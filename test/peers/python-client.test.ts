/**
 * The Python OpAMP client (opentelemetry-opamp-client from PyPI, HTTP transport) against a real
 * `ampgate serve`: it connects with the enrollment token, reports its description and effective
 * config, applies a JSON config pushed through an approved change request (APPLIED), and reports
 * FAILED for a YAML config, which this client cannot decode (it decodes JSON only).
 */
import { expect, it } from 'vitest';
import { agent, api, approve, createPeople, ENROLLMENT_TOKEN, eventually, finished, propose, startAmpgate } from './support/ampgate.js';
import { spawnChild } from './support/children.js';
import { peers } from './support/peers.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

it('connects the Python OpAMP client over HTTP, shows it, applies a JSON config and reports FAILED for YAML', async () => {
  const dir = sceneDir();
  const amp = await startAmpgate(dir);
  const people = await createPeople(amp.proc);
  const p = peers().python;
  const py = spawnChild(
    'python agent',
    p.bin,
    [p.agent, '--endpoint', amp.proc.opampHttp, '--token', ENROLLMENT_TOKEN, '--service-name', 'py-svc', '--interval', '0.5'],
    { stopSignal: 'SIGTERM' },
  );
  const uid = await eventually(
    async () => {
      const list = (
        await api<{ agents: Array<{ uid: string; transport: string; identifyingAttributes: Record<string, string> }> }>(amp.proc, 'GET', '/api/agents')
      ).body.agents;
      return list.find((a) => a.identifyingAttributes['service.name'] === 'py-svc')?.uid;
    },
    30_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; python output:\n${py.output().slice(-3000)}`);
  });
  const view = (await agent(amp.proc, uid))!;
  expect(view.connected).toBe(true);
  expect(view.nonIdentifyingAttributes['agent.implementation']).toBe('opentelemetry-opamp-client');
  expect(view.capabilities).toEqual(expect.arrayContaining(['ReportsStatus', 'AcceptsRemoteConfig', 'ReportsRemoteConfig', 'ReportsEffectiveConfig']));

  const push = async (name: string, body: string, contentType: string) => {
    const r = await api<{ version: { version: number } }>(amp.proc, 'POST', '/api/configs', { name, body, contentType }, people.alice);
    expect([200, 201]).toContain(r.status);
    const change = await propose(amp.proc, people, {
      kind: 'config_push',
      target: { agents: [uid] },
      params: { config: name, canary: '100%', bakeSeconds: 0, stageTimeoutSeconds: 60 },
      reason: 'interop: python',
    });
    await approve(amp.proc, people, change);
    return finished(amp.proc, change.id, 90_000);
  };

  const json = JSON.stringify({ sampling: { ratio: 0.25 }, exporter: 'console' });
  const ok = await push('py-json', json, 'application/json');
  expect(ok.state).toBe('succeeded');
  const applied = (await agent(amp.proc, uid))!;
  expect(applied.remoteConfigStatus?.status).toBe('APPLIED');
  expect(JSON.parse(Object.values(applied.effectiveConfig!)[0]!.body)).toEqual({ sampling: { ratio: 0.25 }, exporter: 'console' });

  const yaml = await push('py-yaml', 'sampling:\n  ratio: 0.5\n', 'text/yaml');
  expect(yaml.state).toBe('failed');
  expect(yaml.outcomes[0]!.detail).toMatch(/FAILED: Cannot parse .*text\/yaml/);
  expect(py.output()).toMatch(/"status": "FAILED"/);
});
