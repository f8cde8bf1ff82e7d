/**
 * GET /metrics of a real server: process metrics without the doubled prefix; change-request,
 * approval, rollout, API, MCP and Slack metrics moving with real traffic (REST proposals and
 * approvals against real agents, an MCP tool call over Streamable HTTP, a signed Slack command);
 * and the shipped Grafana dashboard querying only metric names the server exports.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { AgentPool } from '../support/fleet-fixtures.js';
import { eventually, removeDir, startTestServer, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashCommand } from '../support/slack.js';

const DASHBOARD = fileURLToPath(new URL('../../docs/grafana/ampgate.json', import.meta.url));

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
const pool = new AgentPool();
afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  if (server) removeDir(server.dir);
  await slack?.stop();
  server = undefined;
  slack = undefined;
});

async function scrape(s: TestServer): Promise<string> {
  const res = await fetch(`${s.controlUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series in the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Every series name the server can export: each `# TYPE`, plus _bucket/_sum/_count of histograms and summaries. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

describe('metrics', () => {
  it('count change requests, approvals, rollouts, API requests, MCP and Slack calls as they happen', async () => {
    slack = new SlackApiRecorder();
    const s = (server = await startTestServer({
      slackBotToken: 'xoxb-test-bot-token',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: await slack.start(),
      slackApprovalsChannel: APPROVALS_CHANNEL,
    }));
    const alice = s.apiTokens.create('alice', 'proposer').secret;
    const bob = s.apiTokens.create('bob', 'approver').secret;
    await pool.startRestartable(s);
    await pool.startRestartable(s);
    await pool.startRestartable(s, { identifying: { 'service.name': 'payments' } }); // so the checkout agents are not the whole fleet (one approval)

    const before = await scrape(s);
    expect(before).not.toMatch(/ampgate_process_process_/);
    expect(before).toMatch(/^ampgate_process_cpu_seconds_total \d/m);
    expect(before).toMatch(/^# TYPE ampgate_nodejs_eventloop_lag_p99_seconds gauge$/m);
    // default metrics that walk every open socket on each scrape are left out
    expect(before).not.toMatch(/^ampgate_(nodejs_active_handles|nodejs_active_resources|process_open_fds)/m);

    // Proposed and approved over REST; the restart runs on both agents.
    const propose = async (reason: string) =>
      (await s.api<{ request: ChangeRequest }>('POST', '/api/changes', { kind: 'restart', target: { selector: 'service.name=checkout' }, reason }, alice)).body
        .request;
    const first = await propose('stuck');
    expect((await s.api('POST', `/api/changes/${first.id}/approve`, {}, bob)).status).toBe(200);
    await eventually(() => s.changes.get(first.id)!.state === 'succeeded', 10_000);
    const second = await propose('again');
    expect((await s.api('POST', `/api/changes/${second.id}/reject`, { comment: 'no' }, bob)).status).toBe(200);
    const third = await propose('and again');
    expect((await s.api('POST', `/api/changes/${third.id}/cancel`, {}, alice)).status).toBe(200);

    // An MCP tool call (Streamable HTTP) and a Slack slash command.
    const mcp = new Client({ name: 'metrics-test', version: '1' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${s.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${alice}` } } }));
    expect((await mcp.callTool({ name: 'list_agents', arguments: {} })).isError).toBeFalsy();
    await mcp.close();
    expect((await sendToSlackApp(s.controlUrl, slashCommand('U0ALICE', 'help'))).status).toBe(200);

    const text = await scrape(s);
    expect(sample(text, 'ampgate_change_requests_proposed_total', { kind: 'restart', channel: 'rest' })).toBe(3);
    expect(sample(text, 'ampgate_change_requests_decided_total', { kind: 'restart', channel: 'rest', decision: 'approved' })).toBe(1);
    expect(sample(text, 'ampgate_change_requests_decided_total', { kind: 'restart', channel: 'rest', decision: 'rejected' })).toBe(1);
    expect(sample(text, 'ampgate_change_requests_decided_total', { kind: 'restart', channel: 'rest', decision: 'cancelled' })).toBe(1);
    expect(sample(text, 'ampgate_change_approval_seconds_count', { kind: 'restart', risk: first.risk })).toBe(1);
    expect(sample(text, 'ampgate_rollouts_started_total', { kind: 'restart' })).toBe(1);
    expect(sample(text, 'ampgate_rollouts_finished_total', { kind: 'restart', result: 'succeeded' })).toBe(1);
    expect(sample(text, 'ampgate_rollout_duration_seconds_count', { kind: 'restart' })).toBe(1);
    expect(sample(text, 'ampgate_rollout_agent_outcomes_total', { kind: 'restart', status: 'succeeded' })).toBe(2);
    // API requests by route template (not the raw URL), status and client.
    expect(sample(text, 'ampgate_api_requests_total', { method: 'POST', route: '/api/changes', status: '201', client: 'other' })).toBe(3);
    expect(sample(text, 'ampgate_api_requests_total', { method: 'POST', route: '/api/changes/:id/approve', status: '200' })).toBe(1);
    expect(text).not.toContain(`route="/api/changes/${first.id}/approve"`);
    expect(sample(text, 'ampgate_api_request_duration_seconds_count', { method: 'POST', route: '/api/changes' })).toBe(3);
    // MCP: the tool call, and the REST call the tool made on the caller's behalf.
    expect(sample(text, 'ampgate_mcp_requests_total', { method: 'tools/call', tool: 'list_agents', status: '200' })).toBe(1);
    expect(sample(text, 'ampgate_api_requests_total', { method: 'GET', route: '/api/agents', status: '200', client: 'mcp' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ampgate_slack_requests_total', { type: 'command', outcome: 'ok' })).toBe(1);
  });

  it('the Grafana dashboard queries only metrics the server exports', async () => {
    const s = (server = await startTestServer());
    const exported = exportedNames(await scrape(s));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
      templating: { list: Array<{ definition?: string }> };
    };
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
    ];
    expect(queries.length).toBeGreaterThan(20);
    for (const p of dashboard.panels) if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    const used = new Set(queries.flatMap((q) => q.match(/\bampgate_[a-z0-9_]+/g) ?? []));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    // It charts what this issue added, not only what existed.
    for (const name of [
      'ampgate_change_requests_proposed_total',
      'ampgate_change_requests_decided_total',
      'ampgate_change_approval_seconds_bucket',
      'ampgate_rollouts_finished_total',
      'ampgate_api_requests_total',
      'ampgate_mcp_requests_total',
      'ampgate_slack_requests_total',
    ]) {
      expect(used, name).toContain(name);
    }
  });
});
