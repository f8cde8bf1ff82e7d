/**
 * The secret scan. One server (TLS, mTLS, Slack on, an LLM endpoint with an API key) goes through
 * everything that handles secrets: API tokens created, token and certificate rotations (offers
 * carry new tokens and private keys to agents), a token pasted into a proposal reason and into a
 * Slack command, MCP reads of configs with credentials, audit export. Everything it produced is
 * then scanned: the pino log stream (at trace level), every REST response, every MCP result, every
 * call to the Slack Web API and to the LLM, the audit rows and export, and the SQLite files. Nothing
 * may contain an ampgate token, a PEM private key, or any of the concrete secrets in use (admin and
 * enrollment tokens, API tokens, rotated tokens and keys, the Slack bot token and signing secret,
 * the LLM key). The one place a secret is shown by design (the POST /api/tokens reply, once, to the
 * admin who created it) is left out, and the agents' own channel is where rotated secrets go.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { createLogger } from '../../src/shared/log.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import { LogCapture, registeredClientCert, tlsFixture } from '../support/creds.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, eventually, personToken, removeDir, startTestServer, type TestServer } from '../support/server.js';
import { sendToSlackApp, SIGNING_SECRET, SlackApiRecorder } from '../support/slack.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

const SLACK_BOT_TOKEN = 'xoxb-secret-scan-bot-token-1234567890';
const LLM_KEY = 'sk-secret-scan-llm-key-abcdefghijklmnop';

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
let llm: Server | undefined;
let dir: string | undefined;
const agents: TestAgent[] = [];

afterAll(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  await slack?.stop();
  await new Promise<void>((r) => (llm ? llm.close(() => r()) : r()));
  if (dir) removeDir(dir);
});

/** Every artifact the run produced, by where it came from. */
const artifacts = {
  logs: [] as string[],
  rest: [] as string[],
  mcp: [] as string[],
  slack: [] as string[],
  llm: [] as string[],
  audit: [] as string[],
  db: [] as string[],
};
const known: string[] = [ADMIN_TOKEN, ENROLLMENT_TOKEN, SLACK_BOT_TOKEN, SIGNING_SECRET, LLM_KEY];

function findings(text: string): string[] {
  const out = [...(text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/g) ?? []), ...(text.match(new RegExp(TOKEN_PATTERN.source, 'g')) ?? [])];
  for (const s of known) if (text.includes(s)) out.push(`known secret …${s.slice(-4)}`);
  return out;
}

async function rest<T>(method: string, path: string, body?: unknown, token: string = ADMIN_TOKEN, record = true): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(server!.controlUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (record) artifacts.rest.push(`${method} ${path} ${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${text}`);
  return (text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T;
}

async function startLlmStub(): Promise<string> {
  llm = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      artifacts.llm.push(body); // what ampgate sends the model (the key travels in a header, by design)
      res.writeHead(500).end('model unavailable');
    });
  });
  await new Promise<void>((r) => llm!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(llm.address() as { port: number }).port}/v1`;
}

describe('secrets never leave their channel', () => {
  it('appear in no log line, API response, MCP result, Slack call, LLM prompt, audit row or database file', async () => {
    const fx = await tlsFixture();
    dir = fx.dir;
    const logs = new LogCapture();
    slack = new SlackApiRecorder();
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ approvers: { slackUserGroups: ['S0ONCALL'] } }));
    slack.userGroups.set('S0ONCALL', ['UONCALL']);
    server = await startTestServer(
      {
        agentAuth: 'mtls',
        tlsCertFile: fx.certFile,
        tlsKeyFile: fx.keyFile,
        logLevel: 'trace',
        slackBotToken: SLACK_BOT_TOKEN,
        slackSigningSecret: SIGNING_SECRET,
        slackApiUrl: await slack.start(),
        slackApprovalsChannel: 'C0APPROVALS',
        policyFile,
        intentLlmUrl: await startLlmStub(),
        intentLlmApiKey: LLM_KEY,
      },
      dir,
      { logger: createLogger('trace', logs) },
    );
    const ca = fx.ca.certPem;

    // API tokens: the secret is in the creation reply (left out of the scan), nowhere else. The
    // proposer and the two approvers are three people (provisioned on the host); the viewer is
    // minted by the admin through the API.
    const made: Record<string, string> = {};
    for (const role of ['proposer', 'approver'] as const) made[role] = personToken(server, `scan-${role}`, role);
    made.viewer = (await rest<{ secret: string }>('POST', '/api/tokens', { name: 'scan-viewer', role: 'viewer' }, ADMIN_TOKEN, false)).secret;
    made.approver2 = personToken(server, 'scan-approver-2', 'approver');
    known.push(...Object.values(made));

    // Agents: one on a token (rotated to a new token), one on a certificate (rotated to a new key).
    const tokenAgent = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
      wsOptions: { ca },
      effectiveConfig: { 'c.yaml': 'exporters:\n  otlphttp:\n    headers:\n      api-key: agent-side-secret\n' },
    });
    agents.push(tokenAgent);
    const tokenCs = new ConnectionSettingsBehaviour(tokenAgent);
    await tokenAgent.start();
    const certAgent = new TestAgent({
      url: server.opampUrl.ws,
      capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
      identifying: { 'service.name': 'cert-agent' },
    });
    agents.push(certAgent);
    const old = await registeredClientCert(server, certAgent.uidText);
    certAgent.opts = { ...certAgent.opts, wsOptions: { ca, cert: old.cert, key: old.key } };
    const certCs = new ConnectionSettingsBehaviour(certAgent);
    await certAgent.start();

    const rotate = async (uid: string, credential: string) => {
      const p = await rest<{ request: ChangeRequest }>(
        'POST',
        '/api/changes',
        {
          kind: 'rotate_credentials',
          target: { agents: [uid] },
          params: { credential, reconnectTimeoutSeconds: 20 },
          reason: `rotate, and here is a pasted token ${made.viewer} by mistake`,
        },
        made.proposer,
      );
      for (const t of [made.approver!, made.approver2!])
        await rest('POST', `/api/changes/${p.request.id}/approve`, { fingerprint: p.request.fingerprint, comment: `ok ${ENROLLMENT_TOKEN}` }, t);
      return eventually(
        async () => {
          const r = await rest<ChangeRequest>('GET', `/api/changes/${p.request.id}`);
          return ['succeeded', 'failed', 'partially_failed'].includes(r.state) ? r : undefined;
        },
        30_000,
        100,
      );
    };
    expect((await rotate(tokenAgent.uidText, 'token')).state).toBe('succeeded');
    expect((await rotate(certAgent.uidText, 'certificate')).state).toBe('succeeded');
    const rotatedToken = tokenCs.offers[0]!.settings.headers!.headers[0]!.value.replace('Bearer ', '');
    const rotatedKey = Buffer.from(certCs.offers[0]!.settings.certificate!.privateKey).toString();
    expect(rotatedToken).toMatch(TOKEN_PATTERN);
    expect(rotatedKey).toMatch(/PRIVATE KEY/);
    known.push(rotatedToken, rotatedKey.split('\n')[1]!, old.key.split('\n')[1]!, readFileSync(fx.keyFile, 'utf8').split('\n')[1]!);

    // Reads over REST of everything that could echo a secret.
    await rest(
      'POST',
      '/api/configs',
      { name: 'gw', body: `exporters:\n  otlphttp:\n    headers:\n      authorization: Bearer ${made.viewer}\n` },
      made.proposer,
    );
    for (const path of [
      '/api/agents',
      `/api/agents/${tokenAgent.uidText}`,
      `/api/agents/${tokenAgent.uidText}/credentials`,
      `/api/agents/${certAgent.uidText}/credentials`,
      '/api/tls',
      '/api/tokens',
      '/api/changes',
      '/api/configs',
      '/api/configs/gw/versions/1',
      '/api/whoami',
      '/api/audit',
      '/healthz',
      '/metrics',
    ])
      await rest('GET', path);
    artifacts.audit.push(await rest<string>('GET', '/api/audit/export'));
    artifacts.audit.push(JSON.stringify(server.changes.audit.list({ after: 0, limit: 10_000 })));

    // MCP, with a proposer token.
    const client = new Client({ name: 'scan', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${made.proposer}` } } }),
    );
    for (const [name, args] of [
      ['list_agents', {}],
      ['get_agent', { uid: tokenAgent.uidText }],
      ['get_effective_config', { uid: tokenAgent.uidText }],
      ['get_config_version', { name: 'gw', version: 1 }],
      ['list_change_requests', {}],
      ['get_change_request', { id: '1' }],
      ['propose_restart', { target: { agents: [tokenAgent.uidText] }, reason: `because ${made.approver}` }],
    ] as const)
      artifacts.mcp.push(JSON.stringify(await client.callTool({ name, arguments: args as Record<string, unknown> })));
    await client.close();

    // Slack: a token pasted into a command and a mention (natural language reaches the LLM stub).
    // From the workspace the bot serves (the recorder's auth.test answers T0001): others get nothing.
    // Answers go to the recorder's response_urls, so they are scanned with every other Slack call.
    const form = (text: string) => ({
      form: {
        command: '/ampgate',
        text,
        user_id: 'UREQ',
        user_name: 'req',
        team_id: 'T0001',
        channel_id: 'C1',
        response_url: slack!.responseUrl(),
        trigger_id: 't',
      },
    });
    artifacts.slack.push((await sendToSlackApp(server.controlUrl, form(`pause ${tokenAgent.uidText} because leaked ${made.approver2}`))).text);
    artifacts.slack.push((await sendToSlackApp(server.controlUrl, form(`please pause the agents, token ${ENROLLMENT_TOKEN}`))).text);
    artifacts.slack.push((await sendToSlackApp(server.controlUrl, form('agents'))).text);
    await eventually(() => slack!.callsTo('response_url').length >= 3, 10_000);
    await server.slack!.stop(); // flush card updates
    // The bot token authenticates each Web API call to Slack itself (its own channel): not a leak.
    artifacts.slack.push(...slack.calls.map(({ method, args: { token: _botToken, ...args } }) => JSON.stringify({ method, args })));

    // The database files: only hashes and fingerprints.
    server.registry.flush();
    for (const f of ['ampgate.db', 'ampgate.db-wal']) if (existsSync(join(dir, f))) artifacts.db.push(readFileSync(join(dir, f)).toString('latin1'));
    artifacts.logs.push(logs.text());

    console.log('secret scan sizes', JSON.stringify(Object.fromEntries(Object.entries(artifacts).map(([k, v]) => [k, v.join('').length]))));
    expect(logs.lines.length).toBeGreaterThan(10); // the scan had something to scan
    expect(artifacts.slack.length).toBeGreaterThan(3);
    expect(artifacts.llm.length).toBeGreaterThan(0);
    const leaks = Object.entries(artifacts).flatMap(([where, texts]) => texts.flatMap((t) => findings(t).map((f) => `${where}: ${f}`)));
    expect(leaks).toEqual([]);
    // The redaction is visible where a secret was pasted: a fingerprint, not the token.
    expect(artifacts.audit.join('\n')).toMatch(/\[redacted token …[0-9a-f]{4}\]/);
  }, 90_000);
});
