/**
 * Access control through the LLM-facing and chat channels, written as data: which MCP tools each
 * role is offered (and that unoffered tools cannot be called), that a request proposed through MCP
 * can never be approved through MCP or by its requester, and what each kind of Slack user may do
 * (approve and reject buttons, proposals), including users outside the approvers.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/changes/principal.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, eventually, personToken, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, buttonClick, runSlash, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp } from '../support/slack.js';

const READ = [
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
const PROPOSE = [
  'cancel_change_request',
  'propose_config_push',
  'propose_credential_rotation',
  'propose_pause',
  'propose_restart',
  'propose_resume',
  'propose_rollback',
];

/** MCP tools offered per role. There is no approve or reject tool for anyone. */
const MCP_TOOLS: Record<Role, readonly string[]> = {
  viewer: READ,
  proposer: [...READ, ...PROPOSE],
  approver: [...READ, ...PROPOSE],
  admin: [...READ, ...PROPOSE],
};
/** With AMPGATE_MCP_READ_ONLY=true every role gets the read tools only. */
const MCP_TOOLS_READ_ONLY: Record<Role, readonly string[]> = { viewer: READ, proposer: READ, approver: READ, admin: READ };

const SLACK_USERS = { requester: 'UREQUESTER', oncall: 'UONCALL', slackAdmin: 'USLACKADMIN', outsider: 'UOUTSIDER' } as const;
type SlackUser = keyof typeof SLACK_USERS;
/**
 * Slack users under the policy below: `oncall` is in the approvers' user group, `slackAdmin` is a
 * Slack admin (not in the group: being an admin is no approval right), `requester` and `outsider`
 * have the default role (proposer).
 */
const SLACK_RULES: ReadonlyArray<{ who: SlackUser; action: 'approve' | 'reject'; on: 'someone else' | 'own'; allowed: boolean }> = [
  { who: 'outsider', action: 'approve', on: 'someone else', allowed: false },
  { who: 'outsider', action: 'reject', on: 'someone else', allowed: false },
  { who: 'requester', action: 'approve', on: 'own', allowed: false },
  { who: 'oncall', action: 'approve', on: 'own', allowed: false },
  { who: 'oncall', action: 'approve', on: 'someone else', allowed: true },
  { who: 'oncall', action: 'reject', on: 'someone else', allowed: true },
  { who: 'slackAdmin', action: 'approve', on: 'someone else', allowed: false },
  { who: 'requester', action: 'reject', on: 'own', allowed: true },
];

let server: TestServer;
let slack: SlackApiRecorder;
const pool = new AgentPool();
let agentUid = '';
let seq = 0;

beforeAll(async () => {
  slack = new SlackApiRecorder();
  slack.userGroups.set('S0ONCALL', [SLACK_USERS.oncall]);
  const dir = tempDir();
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ approvers: { slackUserGroups: ['S0ONCALL'] }, slack: { admins: [SLACK_USERS.slackAdmin] } }));
  server = await startTestServer(
    {
      slackBotToken: 'xoxb-access',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: await slack.start(),
      slackApprovalsChannel: APPROVALS_CHANNEL,
      policyFile,
    },
    dir,
  );
  agentUid = (await pool.start(server)).uidText;
  await pushVersion(server, 'gw', collectorConfig('debug'));
});

afterAll(async () => {
  await pool.closeAll();
  await server.stop();
  await slack.stop();
});

async function token(role: Role): Promise<string> {
  if (role === 'admin') return ADMIN_TOKEN;
  return personToken(server, `access-${role}-${++seq}`, role);
}

async function mcp(secret: string, base = server): Promise<Client> {
  const client = new Client({ name: 'access', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }),
  );
  return client;
}

const pushArgs = () => ({ config: 'gw', version: 1, target: { agents: [agentUid] }, reason: `access test ${++seq}` });

describe('MCP tools per role', () => {
  it.each(ROLES)('%s is offered exactly its tools, and cannot call the others', async (role) => {
    const client = await mcp(await token(role));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual([...MCP_TOOLS[role]].sort());
    expect(names.some((n) => /approve|reject/.test(n))).toBe(false);
    for (const name of [...READ, ...PROPOSE, 'approve_change_request'].filter((n) => !MCP_TOOLS[role].includes(n))) {
      const r = await client
        .callTool({ name, arguments: { id: '1', target: { agents: [agentUid] }, reason: 'not allowed' } })
        .catch((err: Error) => ({ isError: true, thrown: err.message }));
      expect((r as { isError?: boolean }).isError, name).toBe(true);
    }
    await client.close();
  });

  it('offers read tools only in read-only mode, whatever the role', async () => {
    const dir = tempDir();
    const ro = await startTestServer({ mcpReadOnly: true }, dir);
    try {
      for (const role of ROLES) {
        const secret = role === 'admin' ? ADMIN_TOKEN : (await ro.api<{ secret: string }>('POST', '/api/tokens', { name: role, role })).body.secret;
        const client = await mcp(secret, ro);
        expect((await client.listTools()).tools.map((t) => t.name).sort(), role).toEqual([...MCP_TOOLS_READ_ONLY[role]].sort());
        await client.close();
      }
    } finally {
      await ro.stop();
    }
  });
});

describe('LLM-originated requests', () => {
  it('cannot be approved through MCP, nor by their requester, nor with X-Ampgate-Client: mcp; a human approver can', async () => {
    const proposer = await token('approver'); // even an approver's token proposing through MCP
    const client = await mcp(proposer);
    const r = (await client.callTool({ name: 'propose_config_push', arguments: pushArgs() })) as {
      isError?: boolean;
      structuredContent?: { id: string; llmOriginated: boolean };
    };
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    const id = r.structuredContent!.id;
    expect(r.structuredContent!.llmOriginated).toBe(true);
    await client.close();

    const attempt = async (secret: string, client?: string) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' };
      if (client) headers['X-Ampgate-Client'] = client;
      return (await fetch(`${server.controlUrl}/api/changes/${id}/approve`, { method: 'POST', headers, body: '{}' })).status;
    };
    expect(await attempt(proposer)).toBe(403); // its requester, over plain REST
    for (const role of ['approver', 'admin'] as const) expect(await attempt(await token(role), 'mcp'), role).toBe(403);
    expect(server.changes.get(id)?.state).toBe('pending');
    expect(await attempt(await token('approver'))).toBe(200); // a human, over REST
    await eventually(() => server.changes.get(id)?.state === 'succeeded', 20_000);
  });
});

/** A pending config push proposed in Slack by `user` with a strict command (not natural language). */
async function proposedInSlack(user: string): Promise<ChangeRequest> {
  const before = new Set(server.changes.list({ limit: 500 }).requests.map((r) => r.id));
  const res = await runSlash(server.controlUrl, slack, user, `push gw@1 to ${agentUid} because access test ${++seq}`);
  expect(res.ack.status).toBe(200);
  const created = server.changes.list({ limit: 500 }).requests.find((r) => !before.has(r.id) && r.requester.id === user);
  if (!created) throw new Error(`no request proposed by ${user}: ${res.answerText}`);
  return created;
}

describe('Slack actions per user', () => {
  it.each(SLACK_RULES)('$who: $action on $on request -> allowed: $allowed', async (rule) => {
    const user = SLACK_USERS[rule.who];
    const request =
      rule.on === 'own' ? await proposedInSlack(user) : await proposedInSlack(SLACK_USERS.requester === user ? SLACK_USERS.outsider : SLACK_USERS.requester);
    const ephemeralBefore = slack.callsTo('chat.postEphemeral').filter((c) => c.args.user === user).length;
    await sendToSlackApp(server.controlUrl, buttonClick(user, request, rule.action));
    if (rule.allowed) {
      // Terminal before the next rule: an open request with the same params would be returned again.
      const final = await eventually(
        () => ['succeeded', 'partially_failed', 'failed', 'rejected'].find((s) => s === server.changes.get(request.id)?.state),
        20_000,
      );
      expect(final).toBe(rule.action === 'approve' ? 'succeeded' : 'rejected');
    } else {
      const refusal = await eventually(() => slack.callsTo('chat.postEphemeral').filter((c) => c.args.user === user)[ephemeralBefore]);
      expect(String(refusal.args.text)).toMatch(/can't|not allowed|self-approval|needs the approver role|not in the policy's approvers/);
      expect(server.changes.get(request.id)!.state).toBe('pending');
      await server.api('POST', `/api/changes/${request.id}/cancel`, {}, ADMIN_TOKEN); // clean up the open slot
    }
  });

  it('lets a Slack user with the default proposer role propose, and a viewer default role not', async () => {
    const r = await proposedInSlack(SLACK_USERS.outsider);
    expect(r).toMatchObject({
      state: 'pending',
      channel: 'slack',
      requester: { kind: 'slack', id: SLACK_USERS.outsider, role: 'proposer' },
      llmOriginated: false,
    });
    await server.api('POST', `/api/changes/${r.id}/cancel`, {}, ADMIN_TOKEN);

    const dir = tempDir();
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ slack: { defaultRole: 'viewer' } }));
    const strict = await startTestServer({ slackBotToken: 'xoxb-access', slackSigningSecret: SIGNING_SECRET, slackApiUrl: slack.url, policyFile }, dir);
    try {
      const res = await runSlash(strict.controlUrl, slack, SLACK_USERS.outsider, `pause ${agentUid} because viewer tries`);
      expect(res.answerText).toMatch(/proposer role/);
      expect(strict.changes.list({}).total).toBe(0);
    } finally {
      await strict.stop();
    }
  });
});
