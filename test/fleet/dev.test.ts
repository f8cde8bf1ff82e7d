import { afterEach, describe, expect, it } from 'vitest';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';
import { executeDirect } from '../support/direct-changes.js';
import { offersByHash, withPause, withRestart, PAUSE_CAPABILITY } from '../support/fleet-behaviours.js';
import { AgentCapabilities } from '../../src/gen/opamp/v1/opamp_pb.js';

const COLLECTOR = (exp: string) => `receivers:\n  otlp: {}\nexporters:\n  ${exp}: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [${exp}]\n`;

let server: TestServer;
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
});

async function agent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> = {}) {
  const a = new TestAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, applyRemoteConfig: true, identifying: { 'service.name': 'checkout' }, ...opts });
  agents.push(a);
  await a.start();
  return a;
}

describe('dev', () => {
  it('halts on canary failure', async () => {
    server = await startTestServer();
    const fail = (f: Record<string, string>) => (Object.values(f)[0]!.includes('bad') ? 'exporter "bad" crashed' : undefined);
    for (let i = 0; i < 3; i++) await agent({ failConfig: fail });
    await server.api('POST', '/api/configs', { name: 'gw', body: COLLECTOR('debug') });
    const r1 = executeDirect(server, 'config_push', { selector: 'service.name=checkout' }, { config: 'gw', bakeSeconds: 0 });
    console.log(await r1.done);
    await server.api('POST', '/api/configs', { name: 'gw', body: COLLECTOR('bad') });
    const run = executeDirect(server, 'config_push', { selector: 'service.name=checkout' }, { config: 'gw', bakeSeconds: 0 });
    console.log(await run.done, run.progress, [...run.outcomes.values()]);
    console.log(agents.map((a) => [...offersByHash(a).values()]));
    const rb = await server.api('GET', `/api/rollouts/${run.request.id}/rollback`);
    console.log(JSON.stringify(rb.body, null, 1));
  });

  it('pause custom + fallback, restart', async () => {
    server = await startTestServer();
    const c = await agent({ customCapabilities: [PAUSE_CAPABILITY] });
    const pc = withPause(c);
    const f = await agent({ effectiveConfig: { 'collector.yaml': COLLECTOR('debug') } });
    const n = await agent({ capabilities: DEFAULT_CAPS & ~BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig) });
    const run = executeDirect(server, 'pause', { selector: 'service.name=checkout' }, {});
    console.log(JSON.stringify(run.request.preview, null, 1), run.request.ineligible);
    console.log(await run.done, run.progress, [...run.outcomes.values()], pc, f.effectiveConfig);
    const res = executeDirect(server, 'resume', { selector: 'service.name=checkout' }, {});
    console.log(await res.done, res.progress, [...res.outcomes.values()], pc, f.effectiveConfig);
    void n;
    const rc = DEFAULT_CAPS | BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand);
    const r = await agent({ capabilities: rc });
    const rs = withRestart(r);
    const rr = executeDirect(server, 'restart', { agents: [r.uidText] }, { timeoutSeconds: 5 });
    console.log(await rr.done, rr.progress, [...rr.outcomes.values()], rs);
  });
});
