/**
 * What a language model may do through MCP, enforced at the API and not only by the tool list:
 * it cancels only requests it proposed itself, even holding an admin token; the stdio broker
 * refuses an admin token outright; and AMPGATE_MCP_READ_ONLY=true refuses every write marked as
 * MCP (proposals, cancellations, config uploads) however the client calls the API.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { CLI_MAIN } from '../support/cli.js';
import { collectorConfig, SuiteFixture } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, personToken, startTestServer } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const fx = new SuiteFixture();
afterEach(() => fx.close());

async function rest<T>(method: string, path: string, token: string, body?: unknown, client?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (client) headers['X-Ampgate-Client'] = client;
  const res = await fetch(fx.server!.controlUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

const proposal = (uid: string, n: number) => ({
  kind: 'config_push',
  target: { agents: [uid] },
  params: { config: 'gw', pendingWaitSeconds: n },
  reason: `mcp limits ${n}`,
});

describe('an LLM cancels only its own requests', () => {
  it('even with an admin token, over REST marked as MCP and through the MCP tool', async () => {
    fx.server = await startTestServer();
    const agent = await fx.pool.start(fx.server);
    await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    const human = personToken(fx.server, 'human', 'proposer');
    const theirs = (await rest<{ request: ChangeRequest }>('POST', '/api/changes', human, proposal(agent.uidText, 1))).body.request;

    const refused = await rest<{ error: { message: string } }>('POST', `/api/changes/${theirs.id}/cancel`, ADMIN_TOKEN, {}, 'mcp');
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/may cancel only requests it proposed itself/);

    const client = new Client({ name: 'llm', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${fx.server.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } } }),
    );
    const viaTool = (await client.callTool({ name: 'cancel_change_request', arguments: { id: theirs.id } })) as {
      isError?: boolean;
      content: Array<{ text: string }>;
    };
    expect(viaTool.isError).toBe(true);
    expect(viaTool.content[0]!.text).toMatch(/forbidden \(403\)/);
    expect(fx.server.changes.get(theirs.id)!.state).toBe('pending');

    // Its own request (proposed through MCP with the same token) it may cancel.
    const own = (await client.callTool({
      name: 'propose_config_push',
      arguments: { config: 'gw', target: { agents: [agent.uidText] }, reason: 'proposed by the model' },
    })) as unknown as { structuredContent: { id: string } };
    const cancelled = (await client.callTool({ name: 'cancel_change_request', arguments: { id: own.structuredContent.id } })) as unknown as {
      isError?: boolean;
      structuredContent: { state: string };
    };
    expect(cancelled.isError).toBeFalsy();
    expect(cancelled.structuredContent.state).toBe('cancelled');
    await client.close();
    // The admin as a human (not through MCP) still may.
    expect((await rest<ChangeRequest>('POST', `/api/changes/${theirs.id}/cancel`, ADMIN_TOKEN, {})).body.state).toBe('cancelled');
    expect(fx.server.changes.audit.list({ limit: 1000 }).filter((e) => e.action === 'policy.denied' && e.data.action === 'cancel')).toHaveLength(1);
  });
});

describe('the stdio broker', () => {
  it('refuses an admin token with a clear message and a non-zero exit', async () => {
    fx.server = await startTestServer();
    const child = spawn(process.execPath, [CLI_MAIN, 'mcp'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AMPGATE_URL: fx.server.controlUrl, AMPGATE_TOKEN: ADMIN_TOKEN },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/refuses an admin token/);
    expect(stderr).not.toContain(ADMIN_TOKEN);
  });
});

describe('AMPGATE_MCP_READ_ONLY=true at the API', () => {
  it('refuses proposals, cancellations and config uploads marked as MCP; humans over REST are unaffected', async () => {
    fx.server = await startTestServer({ mcpReadOnly: true });
    const agent = await fx.pool.start(fx.server);
    await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    const proposer = personToken(fx.server, 'proposer', 'proposer');

    const proposed = await rest<{ error: { message: string } }>('POST', '/api/changes', proposer, proposal(agent.uidText, 1), 'mcp');
    expect(proposed.status).toBe(403);
    expect(proposed.body.error.message).toMatch(/AMPGATE_MCP_READ_ONLY/);
    const upload = await rest<{ error: { message: string } }>('POST', '/api/configs', ADMIN_TOKEN, { name: 'gw', body: collectorConfig('otlp') }, 'mcp');
    expect(upload.status).toBe(403);
    expect(fx.server.changes.list({}).total).toBe(0);
    expect(fx.server.fleetActions.catalog.repo.latestVersion('gw')).toBe(1);

    const human = await rest<{ request: ChangeRequest }>('POST', '/api/changes', proposer, proposal(agent.uidText, 2));
    expect(human.status).toBe(201);
    const cancel = await rest('POST', `/api/changes/${human.body.request.id}/cancel`, proposer, {}, 'mcp');
    expect(cancel.status).toBe(403);
    expect(fx.server.changes.get(human.body.request.id)!.state).toBe('pending');
    expect((await rest('POST', `/api/changes/${human.body.request.id}/cancel`, proposer, {})).status).toBe(200);
  });
});
