/**
 * Every MCP tool and prompt through the official SDK client over Streamable HTTP, on a fleet big
 * enough to page: list filters (health, config sync) and hosts, paging with nextOffset, typed
 * outputs (checked by the SDK against each tool's outputSchema), diff groups with counts, the
 * ineligible agents beyond the first 50, rollout status, rollback preview and proposal, expiry on
 * proposals, and the prompts. The suite ends by checking that nothing offered went uncalled.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCapabilities } from '../../src/gen/opamp/v1/opamp_pb.js';
import { approve, driverTokens, propose } from '../support/change-driver.js';
import { PAUSE_CAPABILITY, withPause } from '../support/fleet-behaviours.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { eventually, removeDir, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, type TestAgent } from '../support/ws-agent.js';

let server: TestServer;
const pool = new AgentPool();
const clients: Client[] = [];
const called = new Set<string>();
const prompted = new Set<string>();
let proposer: Client;
let viewer: Client;
/** Agents that take remote config: checkout/prod on two hosts with two different current configs, one payments agent. */
let managed: TestAgent[];
/** More than 50 agents that cannot take a config push. */
let unmanaged: TestAgent[];

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text: string }> };

async function client(secret: string): Promise<Client> {
  const c = new Client({ name: 'fleet-scale', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${server.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  clients.push(c);
  return c;
}

async function call<T = Record<string, unknown>>(c: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = (await c.callTool({ name, arguments: args })) as Result;
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  called.add(name);
  return r.structuredContent as T;
}

async function callError(c: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = (await c.callTool({ name, arguments: args })) as Result;
  expect(r.isError, `${name} should fail`).toBe(true);
  return r.content[0]!.text;
}

beforeAll(async () => {
  server = await startTestServer();
  managed = [];
  for (const [i, exporter] of ['otlp', 'otlp', 'logging'].entries()) {
    managed.push(
      await pool.start(server, {
        identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
        nonIdentifying: { 'host.name': `node-${i}` },
        effectiveConfig: { 'collector.yaml': collectorConfig(exporter) },
      }),
    );
  }
  managed.push(
    await pool.start(server, { identifying: { 'service.name': 'payments', 'deployment.environment': 'prod' }, nonIdentifying: { 'host.name': 'node-9' } }),
  );
  unmanaged = [];
  const noRemote = DEFAULT_CAPS & ~BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig);
  for (let i = 0; i < 53; i++)
    unmanaged.push(
      await pool.start(server, {
        identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
        nonIdentifying: { 'host.name': `old-${i}` },
        capabilities: noRemote,
      }),
    );
  await managed[2]!.send({ health: { healthy: false, status: 'exporter logging: connection refused' } });
  await eventually(() => server.registry.get(managed[2]!.uidText)?.healthy === false);
  await pushVersion(server, 'gw', collectorConfig('debug'));
  const tokens = await driverTokens(server);
  proposer = await client(tokens.proposer);
  viewer = await client((await server.api<{ secret: string }>('POST', '/api/tokens', { name: 'fleet-viewer', role: 'viewer' })).body.secret);
}, 60_000);

afterAll(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await pool.closeAll();
  await server.stop();
  removeDir(server.dir);
});

describe('MCP at fleet scale', () => {
  it('lists agents by health and config sync with their hosts, a page at a time, and explains an empty selector', async () => {
    const page1 = await call<{ total: number; nextOffset: number | null; agents: Array<{ uid: string; host: string | null; configSync: string | null }> }>(
      viewer,
      'list_agents',
      { limit: 25 },
    );
    expect(page1.total).toBe(57);
    expect(page1.agents).toHaveLength(25);
    expect(page1.nextOffset).toBe(25);
    const page3 = await call<{ nextOffset: number | null; agents: unknown[] }>(viewer, 'list_agents', { limit: 25, offset: 50 });
    expect(page3.agents).toHaveLength(7);
    expect(page3.nextOffset).toBeNull();
    const sick = await call<{ total: number; agents: Array<{ uid: string; host: string; healthy: boolean }> }>(viewer, 'list_agents', { health: 'unhealthy' });
    expect(sick).toMatchObject({ total: 1, agents: [{ uid: managed[2]!.uidText, host: 'node-2', healthy: false }] });
    expect((await call<{ total: number }>(viewer, 'list_agents', { configSync: 'unmanaged' })).total).toBe(57);
    const typo = await call<{ total: number; hint: string }>(viewer, 'list_agents', { selector: 'servce.name=checkout' });
    expect(typo.total).toBe(0);
    expect(typo.hint).toContain('"servce.name" (did you mean "service.name"?)');
    expect(typo.hint).toContain('known attribute keys: "deployment.environment", "host.name", "service.name", and healthy=true|false');
  });

  it('types get_agent, list_configs and get_config_version in their output schemas', async () => {
    const tools = (await viewer.listTools()).tools;
    const props = (name: string, path: string[]) =>
      path.reduce<Record<string, unknown> | undefined>(
        (o, k) => (o?.properties as Record<string, Record<string, unknown>> | undefined)?.[k],
        tools.find((t) => t.name === name)!.outputSchema as Record<string, unknown>,
      );
    expect(Object.keys((props('get_agent', ['agent'])!.properties as object) ?? {})).toEqual(
      expect.arrayContaining(['uid', 'health', 'remoteConfigStatus', 'capabilities', 'identifyingAttributes']),
    );
    expect(Object.keys(((props('list_configs', ['configs'])!.items as Record<string, unknown>).properties as object) ?? {})).toEqual(
      expect.arrayContaining(['name', 'latestVersion', 'latestConfigHash', 'contentType']),
    );
    expect(Object.keys((props('get_config_version', ['config'])!.properties as object) ?? {})).toEqual(
      expect.arrayContaining(['name', 'version', 'configHash', 'body', 'sha256']),
    );

    const agent = await call<{
      agent: { uid: string; health: { status?: string }; remoteConfigStatus: unknown; nonIdentifyingAttributes: Record<string, string> };
    }>(viewer, 'get_agent', { uid: managed[2]!.uidText });
    expect(agent.agent).toMatchObject({
      uid: managed[2]!.uidText,
      health: { healthy: false, status: 'exporter logging: connection refused' },
      nonIdentifyingAttributes: { 'host.name': 'node-2' },
    });
    expect((await call<{ configs: unknown[] }>(viewer, 'list_configs')).configs).toEqual([
      expect.objectContaining({ name: 'gw', latestVersion: 1, versions: 1, contentType: 'text/yaml' }),
    ]);
    expect((await call<{ config: { body: string; version: number } }>(viewer, 'get_config_version', { name: 'gw', version: 1 })).config).toMatchObject({
      version: 1,
      body: collectorConfig('debug'),
    });
    expect((await call<{ files: Array<{ body: string }> }>(viewer, 'get_effective_config', { uid: managed[0]!.uidText })).files[0]!.body).toContain('otlp');
    expect((await call<{ diff: string }>(viewer, 'diff_config', { name: 'gw', to: 1, agent: managed[0]!.uidText })).diff).toMatch(/\+.*debug/);
  });

  it('shows every diff group with its count, the ineligible agents beyond the first 50, and the expiry asked for', async () => {
    const before = Date.now();
    const out = await call<{
      id: string;
      agentCount: number;
      diffGroups: Array<{ agentCount: number; agents: string[]; diff: string }>;
      diffGroupCount: number;
      ineligible: unknown[];
      ineligibleTotal: number;
      ineligibleNotShown: number;
      expiresAt: string;
      existing: boolean;
    }>(proposer, 'propose_config_push', {
      config: 'gw',
      target: { selector: 'service.name=checkout' },
      reason: 'switch checkout to the debug exporter',
      canary: 1,
      expiresInMinutes: 90,
    });
    expect(out.agentCount).toBe(3);
    expect(out.diffGroupCount).toBe(2);
    expect(out.diffGroups.map((g) => g.agentCount)).toEqual([2, 1]);
    expect(out.diffGroups[0]!.diff).toMatch(/-.*otlp/);
    expect(out.diffGroups[1]!.diff).toMatch(/-.*logging/);
    expect(out.ineligible).toHaveLength(50);
    expect(out).toMatchObject({ ineligibleTotal: 53, ineligibleNotShown: 3, existing: false });
    const expires = Date.parse(out.expiresAt) - before;
    expect(expires).toBeGreaterThan(89 * 60_000);
    expect(expires).toBeLessThan(91 * 60_000);
    const same = await call<{ diffGroupCount: number; ineligibleNotShown: number }>(viewer, 'get_change_request', { id: out.id });
    expect(same).toMatchObject({ diffGroupCount: 2, ineligibleNotShown: 3 });
    expect(
      await callError(proposer, 'propose_restart', { target: { agents: [managed[0]!.uidText] }, reason: 'too long to wait', expiresInMinutes: 100_000 }),
    ).toMatch(/expiresInMinutes/);
    await call(proposer, 'cancel_change_request', { id: out.id });
  });

  it('proposes every kind, pages change requests and filters them by kind and by agent', async () => {
    const caps =
      DEFAULT_CAPS |
      BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand) |
      BigInt(AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings);
    const worker = await pool.start(server, { identifying: { 'service.name': 'worker' }, capabilities: caps, customCapabilities: [PAUSE_CAPABILITY] });
    const paused = withPause(worker);
    const target = { agents: [worker.uidText] };
    const pause = await call<{ id: string }>(proposer, 'propose_pause', { target, reason: 'worker floods the backend' });
    expect((await (await approve(server, server.changes.get(pause.id)!)).finished(20_000)).state).toBe('succeeded');
    expect(paused.paused).toBe(true);
    const pending: string[] = [];
    for (const [tool, args] of [
      ['propose_resume', {}],
      ['propose_restart', {}],
      ['propose_credential_rotation', { credential: 'token' }],
    ] as const) {
      pending.push((await call<{ id: string; state: string }>(proposer, tool, { target, reason: `worker: ${tool}`, ...args })).id);
    }
    expect(pending.map((id) => server.changes.get(id)!.state)).toEqual(['pending', 'pending', 'pending']);
    const all = await call<{ total: number }>(viewer, 'list_change_requests', {});
    expect(all.total).toBeGreaterThanOrEqual(2);
    const first = await call<{ total: number; nextOffset: number | null; requests: Array<{ id: string }> }>(viewer, 'list_change_requests', { limit: 1 });
    expect(first.requests).toHaveLength(1);
    expect(first.nextOffset).toBe(1);
    const second = await call<{ requests: Array<{ id: string }>; offset: number }>(viewer, 'list_change_requests', { limit: 1, offset: 1 });
    expect(second.requests[0]!.id).not.toBe(first.requests[0]!.id);
    const last = await call<{ nextOffset: number | null }>(viewer, 'list_change_requests', { limit: 1, offset: all.total - 1 });
    expect(last.nextOffset).toBeNull();
    const byAgent = await call<{ total: number; requests: Array<{ kind: string }> }>(viewer, 'list_change_requests', { agent: worker.uidText });
    expect(byAgent.requests.map((r) => r.kind).sort()).toEqual(['pause', 'restart', 'resume', 'rotate_credentials']);
    expect((await call<{ total: number }>(viewer, 'list_change_requests', { kind: 'config_push' })).total).toBe(1);
    expect((await call<{ total: number }>(proposer, 'list_change_requests', { state: 'pending', mine: true })).total).toBe(3);
    expect((await call<{ total: number }>(viewer, 'list_change_requests', { state: 'pending', mine: true })).total).toBe(0);
    for (const id of pending) await call(proposer, 'cancel_change_request', { id });
  });

  it('follows a rollout per stage and proposes its rollback, which waits for humans', async () => {
    const push = async (version: number) => {
      const r = await propose(server, {
        kind: 'config_push',
        target: { selector: 'service.name=payments' },
        params: { config: 'gw', version, canary: '100%', bakeSeconds: 0 },
      });
      const done = await (await approve(server, r)).finished(20_000);
      expect(done.state).toBe('succeeded');
      return r.id;
    };
    await push(1);
    await pushVersion(server, 'gw', collectorConfig('otlp'));
    const second = await push(2);

    const status = await call<{
      state: string;
      stageCount: number;
      stages: Array<{ total: number; outcomes: Record<string, number> }>;
      targets: Array<{ uid: string; outcome: string }>;
      nextOffset: number | null;
    }>(viewer, 'get_rollout_status', { id: second });
    expect(status).toMatchObject({
      state: 'completed',
      stageCount: 1,
      stages: [{ total: 1, outcomes: { succeeded: 1 } }],
      targets: [{ uid: managed[3]!.uidText, outcome: 'succeeded' }],
      nextOffset: null,
    });
    expect((await call<{ targetsTotal: number }>(viewer, 'get_rollout_status', { id: second, outcome: 'failed' })).targetsTotal).toBe(0);

    const preview = await call<{ proposals: Array<{ config: string; version: number; agentCount: number }>; notCoveredTotal: number }>(
      viewer,
      'preview_rollback',
      { id: second },
    );
    expect(preview).toMatchObject({ proposals: [{ config: 'gw', version: 1, agentCount: 1 }], notCoveredTotal: 0 });
    expect(server.changes.list({ states: ['pending'] }).total).toBe(0); // a preview proposes nothing

    const proposed = await call<{ requests: Array<{ id: string; state: string; llmOriginated: boolean; summary: string; existing: boolean }> }>(
      proposer,
      'propose_rollback',
      { id: second, reason: 'otlp exporter broke payments' },
    );
    expect(proposed.requests).toHaveLength(1);
    expect(proposed.requests[0]).toMatchObject({ state: 'pending', llmOriginated: true, existing: false });
    expect(proposed.requests[0]!.summary).toMatch(/^Roll back/);
    const again = await call<{ requests: Array<{ id: string; existing: boolean }> }>(proposer, 'propose_rollback', {
      id: second,
      reason: 'otlp exporter broke payments',
    });
    expect(again.requests[0]).toMatchObject({ id: proposed.requests[0]!.id, existing: true });
  });

  it('offers prompts for on-call tasks, and tells a read-only caller to hand proposals to a human', async () => {
    const listed = (await proposer.listPrompts()).prompts;
    expect(listed.map((p) => p.name).sort()).toEqual(['investigate_unhealthy_agents', 'prepare_config_rollout', 'review_change_request']);
    const text = async (c: Client, name: string, args: Record<string, string>) => {
      const p = await c.getPrompt({ name, arguments: args });
      prompted.add(name);
      expect(p.messages[0]!.role).toBe('user');
      return (p.messages[0]!.content as { text: string }).text;
    };
    const investigate = await text(proposer, 'investigate_unhealthy_agents', { selector: 'deployment.environment=prod' });
    expect(investigate).toContain('list_agents with health="unhealthy" and selector="deployment.environment=prod"');
    expect(investigate).toMatch(/get_agent[\s\S]*list_change_requests with agent=[\s\S]*get_rollout_status/);
    expect(investigate).toContain('you cannot approve');
    const prepare = await text(proposer, 'prepare_config_rollout', { config: 'gw', selector: 'service.name=checkout' });
    expect(prepare).toMatch(/get_config_version[\s\S]*list_agents[\s\S]*diff_config[\s\S]*propose_config_push/);
    expect(prepare).not.toContain('cannot propose');
    expect(await text(viewer, 'prepare_config_rollout', { config: 'gw', selector: 'service.name=checkout', version: '1' })).toContain(
      'This connection cannot propose changes',
    );
    expect(await text(viewer, 'review_change_request', { id: '1' })).toMatch(/get_change_request with id="1"/);
    // Arguments are validated like tool arguments.
    await expect(proposer.getPrompt({ name: 'prepare_config_rollout', arguments: { config: 'gw' } })).rejects.toThrow();
  });

  it('left no tool or prompt uncalled', async () => {
    const tools = (await proposer.listTools()).tools.map((t) => t.name);
    expect(tools).toHaveLength(17);
    expect(tools.filter((t) => !called.has(t))).toEqual([]);
    const prompts = (await proposer.listPrompts()).prompts.map((p) => p.name);
    expect(prompts.filter((p) => !prompted.has(p))).toEqual([]);
  });
});
