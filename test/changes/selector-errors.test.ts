/**
 * A selector that matches no agent is answered the same way on every channel: which key or value
 * no agent has, its close matches ("servce.name" -> "service.name") and the keys that exist. REST
 * (the error and the agent list's hint), the CLI (a child process over REST) and MCP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addAgent } from '../support/changes.js';
import { runCli } from '../support/process.js';
import { removeDir, startTestServer, testDb, type TestServer } from '../support/server.js';
import { TestExecutor } from '../support/test-executor.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

const TYPO = 'did you mean "service.name"?';
const KEYS = 'known attribute keys: "deployment.environment", "service.name"';

describe('selector errors', () => {
  it('name the close match and the known keys over REST, the CLI and MCP', async () => {
    const s = (server = await startTestServer({}, undefined, { registerFleetExecutors: false }));
    addAgent(s.registry, 1, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(s.registry, 2, { 'service.name': 'payments', 'deployment.environment': 'prod' });
    s.changes.registerExecutor(new TestExecutor(testDb(s), s.registry));
    const proposer = s.apiTokens.create('alice', 'proposer').secret;

    const rest = await s.api<{ error: { code: string; message: string; details: { problems: Array<{ suggestions: string[] }> } } }>(
      'POST',
      '/api/changes',
      { kind: 'restart', target: { selector: 'servce.name=checkout' }, params: {}, reason: 'typo test' },
      proposer,
    );
    expect(rest.status).toBe(422);
    expect(rest.body.error.message).toContain(TYPO);
    expect(rest.body.error.message).toContain(KEYS);
    expect(rest.body.error.details.problems[0]!.suggestions).toEqual(['service.name']);
    const value = await s.api<{ error: { message: string } }>(
      'POST',
      '/api/changes',
      { kind: 'restart', target: { selector: 'service.name=chekout' }, params: {}, reason: 'typo test' },
      proposer,
    );
    expect(value.body.error.message).toContain('no agent has service.name="chekout" (did you mean "checkout"?)');
    const list = await s.api<{ total: number; hint: string }>('GET', `/api/agents?selector=${encodeURIComponent('servce.name=checkout')}`, undefined, proposer);
    expect(list.body).toMatchObject({ total: 0 });
    expect(list.body.hint).toContain(TYPO);
    // Other filters emptying a good selector's result get no (misleading) selector hint.
    const filtered = await s.api<{ total: number; hint?: string }>('GET', '/api/agents?selector=service.name%3Dcheckout&health=unhealthy', undefined, proposer);
    expect(filtered.body).toEqual(expect.objectContaining({ total: 0 }));
    expect(filtered.body.hint).toBeUndefined();

    const viaCli = await runCli(['changes', 'propose', 'restart', '--selector', 'servce.name=checkout', '--reason', 'typo test'], {
      AMPGATE_URL: s.controlUrl,
      AMPGATE_TOKEN: proposer,
    });
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.err).toContain(TYPO);
    expect(viaCli.err).toContain(KEYS);

    const client = new Client({ name: 'typo', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${s.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${proposer}` } } }),
    );
    try {
      const r = (await client.callTool({ name: 'propose_restart', arguments: { target: { selector: 'servce.name=checkout' }, reason: 'typo test' } })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toContain(TYPO);
      expect(r.content[0]!.text).toContain(KEYS);
    } finally {
      await client.close();
    }
    expect(s.changes.list({}).total).toBe(0);
  }, 30_000);
});
