/**
 * MCP end to end with the SDK Client: over real Streamable HTTP against an in-process server, and
 * over stdio against the `ampgate mcp` broker process talking to the REST API.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { CLI_MAIN } from '../support/cli.js';
import { PAUSE_CAPABILITY, withPause } from '../support/fleet-behaviours.js';
import { collectorConfig } from '../support/fleet-fixtures.js';
import { ENROLLMENT_TOKEN, eventually, personToken, startTestServer, type TestServer } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READ_TOOLS = [
  'diff_config',
  'get_agent',
  'get_change_request',
  'get_config_version',
  'get_effective_config',
  'get_rollout_status',
  'list_agents',
  'list_change_requests',
  'list_configs',
  'preview_rollback',
];
const PROPOSE_TOOLS = [
  'cancel_change_request',
  'propose_config_push',
  'propose_credential_rotation',
  'propose_pause',
  'propose_restart',
  'propose_resume',
  'propose_rollback',
];

let server: TestServer | undefined;
const clients: Client[] = [];
const agents: TestAgent[] = [];
const outputs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
});

/** A token for a person of its own (a minted one would be the admin's person). */
async function token(role: 'viewer' | 'proposer' | 'approver' | 'admin'): Promise<string> {
  return personToken(server!, `mcp-${role}`, role);
}

async function httpClient(secret: string | undefined): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${server!.controlUrl}/mcp`), {
    requestInit: { headers: secret ? { Authorization: `Bearer ${secret}` } : {} },
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await client.callTool({ name, arguments: args });
  outputs.push(JSON.stringify(r));
  return r as { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text: string }> };
}

async function withAgent(): Promise<TestAgent> {
  const a = new TestAgent({
    url: server!.opampUrl.ws,
    token: ENROLLMENT_TOKEN,
    identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
    effectiveConfig: { 'collector.yaml': 'exporters:\n  otlphttp:\n    headers:\n      api-key: super-secret-value\n' },
  });
  agents.push(a);
  await a.start();
  return a;
}

describe('MCP over Streamable HTTP', () => {
  it('refuses callers without a valid token with 401', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.controlUrl}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    await expect(httpClient('ampk_not-a-real-token-not-a-real-token-not-a-real-t')).rejects.toThrow();
  });

  it('offers read tools to viewers and propose tools to proposers, never an approve tool', async () => {
    server = await startTestServer();
    const viewer = await httpClient(await token('viewer'));
    expect((await viewer.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    const proposer = await httpClient(await token('proposer'));
    const tools = (await proposer.listTools()).tools;
    expect(tools.map((t) => t.name).sort()).toEqual([...READ_TOOLS, ...PROPOSE_TOOLS].sort());
    expect(tools.some((t) => /approve/.test(t.name))).toBe(false);
    for (const t of tools) {
      expect(t.annotations, t.name).toBeDefined();
      expect(t.outputSchema, t.name).toBeDefined();
      // Annotations say what the tool does: reads are read-only, proposals write but destroy
      // nothing (and repeat idempotently), cancelling destroys someone's pending change.
      if (READ_TOOLS.includes(t.name)) expect(t.annotations, t.name).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      else if (t.name === 'cancel_change_request') expect(t.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      else expect(t.annotations, t.name).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    }
  });

  it('removes every propose tool in read-only mode, even for admins', async () => {
    server = await startTestServer({ mcpReadOnly: true });
    const admin = await httpClient(await token('admin'));
    expect((await admin.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
  });

  it('returns real fleet data as structured content, with config secrets redacted', async () => {
    server = await startTestServer();
    const a = await withAgent();
    const c = await httpClient(await token('viewer'));
    const list = await call(c, 'list_agents', { selector: 'service.name=checkout' });
    expect(list.isError).toBeFalsy();
    expect(list.structuredContent).toMatchObject({ total: 1, agents: [{ uid: a.uidText, serviceName: 'checkout', environment: 'prod', connected: true }] });
    const cfg = await call(c, 'get_effective_config', { uid: a.uidText });
    const body = (cfg.structuredContent as { files: Array<{ body: string }> }).files[0]!.body;
    expect(body).toContain('api-key');
    expect(body).not.toContain('super-secret-value');
    const detail = await call(c, 'get_agent', { uid: a.uidText });
    expect((detail.structuredContent as { agent: Record<string, unknown> }).agent.uid).toBe(a.uidText);
  });

  it('answers bad arguments and unknown agents with isError results', async () => {
    server = await startTestServer();
    const c = await httpClient(await token('viewer'));
    const bad = await call(c, 'get_agent', { uid: 'not-a-uuid' });
    expect(bad.isError).toBe(true);
    const missing = await call(c, 'get_agent', { uid: '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toMatch(/not_found/);
    const badLimit = await call(c, 'list_agents', { limit: 100000 });
    expect(badLimit.isError).toBe(true);
  });
});

describe('MCP proposals wait for humans', () => {
  it('a propose tool creates a pending request; nothing reaches the agent until a human approves it through REST', async () => {
    server = await startTestServer();
    const a = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
      customCapabilities: [PAUSE_CAPABILITY],
    });
    agents.push(a);
    const pause = withPause(a);
    await a.start();
    const proposerSecret = await token('proposer');
    const c = await httpClient(proposerSecret);
    const args = { target: { selector: 'service.name=checkout' }, reason: 'noisy exporter during incident 42' };
    const r = await call(c, 'propose_pause', args);
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    const out = r.structuredContent as {
      id: string;
      state: string;
      agentCount: number;
      existing: boolean;
      llmOriginated: boolean;
      next: string;
      requiredApprovals: number;
    };
    expect(out).toMatchObject({ state: 'pending', agentCount: 1, existing: false, llmOriginated: true, requiredApprovals: 1 });
    expect(out.next).toMatch(/cannot approve/);

    // Idempotent: the same proposal returns the open request.
    const again = await call(c, 'propose_pause', args);
    expect(again.structuredContent).toMatchObject({ id: out.id, existing: true });

    await new Promise((res) => setTimeout(res, 300));
    expect(pause.received).toEqual([]); // nothing sent while pending

    // The MCP token cannot approve, not even through REST while marked as MCP, and not as itself.
    const viaMcp = await fetch(`${server.controlUrl}/api/changes/${out.id}/approve`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${proposerSecret}`, 'Content-Type': 'application/json', 'X-Ampgate-Client': 'mcp' },
      body: '{}',
    });
    expect(viaMcp.status).toBe(403);
    const approver = await token('approver');
    const viaMcpApprover = await fetch(`${server.controlUrl}/api/changes/${out.id}/approve`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${approver}`, 'Content-Type': 'application/json', 'X-Ampgate-Client': 'mcp' },
      body: '{}',
    });
    expect(viaMcpApprover.status).toBe(403); // LLM-driven calls never approve, whatever the role
    expect(pause.received).toEqual([]);

    // A human approver (a different principal) approves over REST: now the agent is paused.
    const ok = await server.api('POST', `/api/changes/${out.id}/approve`, {}, approver);
    expect(ok.status).toBe(200);
    await eventually(() => pause.paused);
    const done = await eventually(async () => {
      const g = await call(c, 'get_change_request', { id: out.id });
      return (g.structuredContent as { state: string }).state === 'succeeded' ? g : undefined;
    });
    expect(done.structuredContent).toMatchObject({ outcomes: { succeeded: 1 } });
  });

  it('proposes with exclusions and a health filter, and echoes the exact selector and count', async () => {
    server = await startTestServer();
    const started: TestAgent[] = [];
    for (const svc of ['checkout', 'payments', 'frontend']) {
      const a = new TestAgent({
        url: server.opampUrl.ws,
        token: ENROLLMENT_TOKEN,
        identifying: { 'service.name': svc, 'deployment.environment': 'prod' },
        customCapabilities: [PAUSE_CAPABILITY],
      });
      agents.push(a);
      await a.start();
      started.push(a);
    }
    for (const a of started.slice(0, 2)) await a.send({ health: { healthy: false, status: 'exporter failing' } });
    const c = await httpClient(await token('proposer'));
    const listed = await call(c, 'list_agents', { selector: 'healthy=false,service.name!=payments' });
    expect((listed.structuredContent as { total: number }).total).toBe(1);
    const r = await call(c, 'propose_pause', {
      target: { selector: 'deployment.environment=prod', exclude: ['service.name=payments'], healthy: false },
      reason: 'unhealthy exporters, payments stays up',
    });
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      agentCount: 1,
      target: 'deployment.environment=prod,service.name!=payments,healthy=false',
      targetInWords: 'unhealthy agents with environment prod except service payments',
    });
    expect(server.changes.get((r.structuredContent as { id: string }).id)!.targets).toEqual([started[0]!.uidText]);
    const mixed = await call(c, 'propose_pause', {
      target: { agents: [started[0]!.uidText], exclude: ['service.name=payments'] },
      reason: 'exclude needs a selector',
    });
    expect(mixed.isError).toBe(true);
    expect(mixed.content[0]!.text).toMatch(/cannot be combined with agents/);
    const malformed = await call(c, 'propose_pause', { target: { selector: '', exclude: ['payments'] }, reason: 'not a key=value exclusion' });
    expect(malformed.isError).toBe(true);
  });

  it('proposes config pushes with a preview, lists own requests and cancels them', async () => {
    server = await startTestServer();
    await withAgent();
    await server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug'), contentType: 'text/yaml' });
    const c = await httpClient(await token('proposer'));
    expect((await call(c, 'list_configs')).structuredContent).toMatchObject({ configs: [{ name: 'gw', latestVersion: 1 }] });
    expect((await call(c, 'get_config_version', { name: 'gw', version: 1 })).structuredContent).toMatchObject({ config: { name: 'gw', version: 1 } });
    const r = await call(c, 'propose_config_push', {
      config: 'gw',
      target: { selector: 'deployment.environment=prod' },
      reason: 'switch to the debug exporter',
    });
    const out = r.structuredContent as { id: string; diff: string | null; steps: string[]; state: string };
    expect(out.state).toBe('pending');
    expect(out.diff).toMatch(/\+.*debug/);
    expect(out.steps.length).toBeGreaterThan(0);
    const mine = await call(c, 'list_change_requests', { mine: true });
    expect(mine.isError, JSON.stringify(mine)).toBeFalsy();
    expect((mine.structuredContent as { total: number }).total).toBe(1);
    const cancelled = await call(c, 'cancel_change_request', { id: out.id });
    expect(cancelled.structuredContent).toMatchObject({ state: 'cancelled' });
    const bad = await call(c, 'propose_restart', { target: { selector: 'service.name=ghost' }, reason: 'nothing matches this' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/matches no known agent/);
  });
});

describe('MCP over stdio (ampgate mcp broker)', () => {
  it('lists tools for the token role and reads fleet data through the REST API', async () => {
    server = await startTestServer();
    const a = await withAgent();
    const secret = await token('viewer');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_MAIN, 'mcp'],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AMPGATE_URL: server.controlUrl, AMPGATE_TOKEN: secret },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-test', version: '1' });
    await client.connect(transport);
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    const list = await call(client, 'list_agents', {});
    expect(list.structuredContent).toMatchObject({ total: 1, agents: [{ uid: a.uidText }] });
  });
});

describe('secrets', () => {
  it('no tool output produced by this suite contains a token', () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const o of outputs) expect(o.match(TOKEN_PATTERN)).toBeNull();
    for (const o of outputs) expect(o).not.toContain('super-secret-value');
  });
});
