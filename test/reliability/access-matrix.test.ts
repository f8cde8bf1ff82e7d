/**
 * The access-control matrix of the control plane, written as data so it documents the rules.
 * Every route registered on the running Fastify instance must appear in MATRIX (a new route fails
 * this suite until someone decides who may call it), and each one is called with no token, a
 * wrong token and a token of each role: only the allowed callers get through. Change-request
 * actions then have their own rules (self-approval, requester, LLM/MCP), also as data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/api/server.js';
import { ROLES, type Role } from '../../src/changes/principal.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { runChange } from '../support/change-driver.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, personToken, startTestServer, type TestServer } from '../support/server.js';
import { SIGNING_SECRET, SlackApiRecorder } from '../support/slack.js';

type Caller = 'none' | 'wrong' | Role;
const CALLERS: readonly Caller[] = ['none', 'wrong', ...ROLES];

interface Rule {
  /** Who gets through: 'anyone' (no token needed), 'slack-signature' (no bearer token ever does), or the roles. */
  readonly allow: 'anyone' | 'slack-signature' | readonly Role[];
  /** Status an allowed caller gets with this suite's fixture input. */
  readonly ok: readonly number[];
  readonly note?: string;
}

const VIEWER_UP: readonly Role[] = ['viewer', 'proposer', 'approver', 'admin'];
const PROPOSER_UP: readonly Role[] = ['proposer', 'approver', 'admin'];
const APPROVER_UP: readonly Role[] = ['approver', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/** The rules. Keys are `METHOD url` exactly as registered (HEAD mirrors GET and is checked too). */
const MATRIX: Record<string, Rule> = {
  'GET /healthz': { allow: 'anyone', ok: [200] },
  'GET /metrics': { allow: 'anyone', ok: [200] },
  'GET /api/whoami': { allow: VIEWER_UP, ok: [200] },
  'GET /api/agents': { allow: VIEWER_UP, ok: [200] },
  'GET /api/agents/:uid': { allow: VIEWER_UP, ok: [200] },
  'GET /api/agents/:uid/credentials': { allow: VIEWER_UP, ok: [200] },
  'GET /api/agents/:uid/config-diff': { allow: VIEWER_UP, ok: [200] },
  'GET /api/agents/:uid/remote-config': { allow: VIEWER_UP, ok: [200] },
  'GET /api/tls': { allow: VIEWER_UP, ok: [200] },
  'GET /api/tokens': { allow: ADMIN, ok: [200] },
  'POST /api/tokens': { allow: ADMIN, ok: [201] },
  'DELETE /api/tokens/:id': { allow: ADMIN, ok: [200] },
  'GET /api/enrollment-tokens': { allow: ADMIN, ok: [200] },
  'POST /api/enrollment-tokens': { allow: ADMIN, ok: [201] },
  'DELETE /api/enrollment-tokens/:id': { allow: ADMIN, ok: [200] },
  'GET /api/configs': { allow: VIEWER_UP, ok: [200] },
  'POST /api/configs': { allow: PROPOSER_UP, ok: [201], note: 'adds an immutable version; pushing it is a separate change request' },
  'GET /api/configs/:name': { allow: VIEWER_UP, ok: [200] },
  'GET /api/configs/:name/versions/:v': { allow: VIEWER_UP, ok: [200] },
  'GET /api/configs/:name/diff': { allow: VIEWER_UP, ok: [200] },
  'GET /api/rollouts': { allow: VIEWER_UP, ok: [200] },
  'GET /api/rollouts/:id': { allow: VIEWER_UP, ok: [200] },
  'GET /api/rollouts/:id/rollback': { allow: VIEWER_UP, ok: [200] },
  'POST /api/rollouts/:id/rollback': {
    allow: PROPOSER_UP,
    ok: [201, 200],
    note: 'proposes (never executes) the rollback; 200 when the same proposal is already open',
  },
  'POST /api/changes': { allow: PROPOSER_UP, ok: [201] },
  'GET /api/changes': { allow: VIEWER_UP, ok: [200] },
  'GET /api/changes/:id': { allow: VIEWER_UP, ok: [200] },
  'POST /api/changes/:id/approve': { allow: APPROVER_UP, ok: [200], note: 'never the requester, never through MCP (CHANGE_RULES)' },
  'POST /api/changes/:id/reject': { allow: APPROVER_UP, ok: [200], note: 'also the requester (CHANGE_RULES)' },
  'POST /api/changes/:id/cancel': { allow: ADMIN, ok: [200], note: 'also the requester (CHANGE_RULES)' },
  'GET /api/audit': { allow: ADMIN, ok: [200] },
  'GET /api/audit/verify': { allow: ADMIN, ok: [200] },
  'GET /api/audit/export': { allow: ADMIN, ok: [200] },
  'POST /mcp': { allow: VIEWER_UP, ok: [200], note: 'tools are then filtered by role (access-mcp-slack.test.ts)' },
  'GET /mcp': { allow: VIEWER_UP, ok: [405], note: 'stateless endpoint: only POST does anything' },
  'DELETE /mcp': { allow: VIEWER_UP, ok: [405] },
  'POST /slack/events': {
    allow: 'slack-signature',
    ok: [],
    note: 'Slack request signature only; Slack users are checked per action (access-mcp-slack.test.ts)',
  },
  'GET /api/summary': { allow: VIEWER_UP, ok: [200] },
  'GET /api/events': { allow: VIEWER_UP, ok: [200], note: 'server-sent notices; a console session cookie works too (test/web/console-http.test.ts)' },
  'GET /': { allow: 'anyone', ok: [302], note: 'redirect to the console' },
  'GET /ui/*': { allow: 'anyone', ok: [200], note: 'the console shell and its static files; the data comes from /api with a session' },
  'POST /ui/session': { allow: 'anyone', ok: [200], note: 'sign-in: the API token is in the body, the bearer header is ignored' },
  'GET /ui/session': { allow: 'anyone', ok: [401], note: 'answers only a session cookie, never a bearer token' },
  'DELETE /ui/session': { allow: 'anyone', ok: [204], note: 'sign-out; with a live session cookie it needs the CSRF token (test/web/console-http.test.ts)' },
};

/** Rules of the change-request actions beyond the role, tried through REST. */
const CHANGE_RULES: ReadonlyArray<{
  rule: string;
  requester: Role;
  actor: Role | 'requester';
  action: 'approve' | 'reject' | 'cancel';
  client?: 'mcp' | 'cli';
  status: number;
  message?: RegExp;
}> = [
  { rule: 'self-approval is refused for a proposer', requester: 'proposer', actor: 'requester', action: 'approve', status: 403 },
  { rule: 'self-approval is refused for an approver', requester: 'approver', actor: 'requester', action: 'approve', status: 403, message: /self-approval/ },
  { rule: 'self-approval is refused for an admin', requester: 'admin', actor: 'requester', action: 'approve', status: 403, message: /self-approval/ },
  {
    rule: 'self-approval is refused through the CLI too',
    requester: 'approver',
    actor: 'requester',
    action: 'approve',
    client: 'cli',
    status: 403,
    message: /self-approval/,
  },
  {
    rule: 'an approver calling as MCP cannot approve',
    requester: 'proposer',
    actor: 'approver',
    action: 'approve',
    client: 'mcp',
    status: 403,
    message: /LLM/,
  },
  { rule: 'an admin calling as MCP cannot approve', requester: 'proposer', actor: 'admin', action: 'approve', client: 'mcp', status: 403, message: /LLM/ },
  { rule: 'an approver calling as MCP cannot reject', requester: 'proposer', actor: 'approver', action: 'reject', client: 'mcp', status: 403, message: /LLM/ },
  { rule: 'an approver through the CLI approves', requester: 'proposer', actor: 'approver', action: 'approve', client: 'cli', status: 200 },
  { rule: 'the requester may cancel', requester: 'proposer', actor: 'requester', action: 'cancel', status: 200 },
  { rule: 'the requester may reject (stop) their own request', requester: 'proposer', actor: 'requester', action: 'reject', status: 200 },
  { rule: 'another proposer may not cancel', requester: 'approver', actor: 'proposer', action: 'cancel', status: 403 },
];

let server: TestServer;
let slack: SlackApiRecorder;
const pool = new AgentPool();
const tokens = {} as Record<Role, string>;
/** A proposer who is none of the matrix callers: requests they propose are nobody's own in the matrix. */
let requester = '';
const fixture = { uid: '', rolloutId: '', seq: 0 };

beforeAll(async () => {
  slack = new SlackApiRecorder();
  // Slack on, so /slack/events is registered and part of the matrix.
  server = await startTestServer({ slackBotToken: 'xoxb-matrix', slackSigningSecret: SIGNING_SECRET, slackApiUrl: await slack.start() });
  // One person per role (tokens minted with the admin token would all be the admin).
  for (const role of ROLES) tokens[role] = role === 'admin' ? ADMIN_TOKEN : personToken(server, `matrix-${role}`, role);
  requester = personToken(server, 'matrix-requester', 'proposer');
  const agent = await pool.start(server);
  fixture.uid = agent.uidText;
  // A real rollout (v1, then v2) so the rollout and rollback routes have something to show.
  await pushVersion(server, 'gw', collectorConfig('debug'));
  await runChange(server, { kind: 'config_push', target: { agents: [agent.uidText] }, params: { config: 'gw', bakeSeconds: 0 } });
  await pushVersion(server, 'gw', collectorConfig('otlp'));
  fixture.rolloutId = (await runChange(server, { kind: 'config_push', target: { agents: [agent.uidText] }, params: { config: 'gw', bakeSeconds: 0 } })).id;
}, 60_000);

afterAll(async () => {
  await pool.closeAll();
  await server.stop();
  await slack.stop();
});

/** A pending config push proposed by `role` (default: the outside requester), distinct from every other one (idempotency). */
async function pending(role?: Role): Promise<ChangeRequest> {
  const r = await server.api<{ request: ChangeRequest }>(
    'POST',
    '/api/changes',
    { kind: 'config_push', target: { agents: [fixture.uid] }, params: { config: 'gw', version: 1, pendingWaitSeconds: ++fixture.seq }, reason: 'matrix' },
    role ? tokens[role] : requester,
  );
  if (r.status !== 201) throw new Error(`fixture proposal failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.request;
}

/** The path and body an allowed caller needs for a real success on `key`. */
async function input(key: string): Promise<{ path: string; body?: unknown; headers?: Record<string, string> }> {
  const [, url] = key.split(' ') as [string, string];
  const fill = (p: string, v: Record<string, string>) => p.replace(/:(\w+)/g, (_m, k: string) => v[k] ?? `missing-${k}`);
  const values: Record<string, string> = { uid: fixture.uid, name: 'gw', v: '1', id: fixture.rolloutId };
  switch (key) {
    case 'DELETE /api/tokens/:id':
      return { path: `/api/tokens/${(await server.api<{ token: { id: string } }>('POST', '/api/tokens', { name: 'victim', role: 'viewer' })).body.token.id}` };
    case 'DELETE /api/enrollment-tokens/:id':
      return { path: `/api/enrollment-tokens/${(await server.api<{ token: { id: string } }>('POST', '/api/enrollment-tokens')).body.token.id}` };
    case 'POST /api/tokens':
      return { path: url, body: { name: 'made-by-matrix', role: 'viewer' } };
    case 'POST /api/configs':
      return { path: url, body: { name: 'matrix', body: collectorConfig(`debug/${++fixture.seq}`) } };
    case 'POST /api/changes':
      return {
        path: url,
        body: {
          kind: 'config_push',
          target: { agents: [fixture.uid] },
          params: { config: 'gw', version: 1, pendingWaitSeconds: ++fixture.seq },
          reason: 'matrix',
        },
      };
    case 'POST /api/changes/:id/approve':
    case 'POST /api/changes/:id/reject':
    case 'POST /api/changes/:id/cancel':
      return { path: fill(url, { id: (await pending()).id }), body: {} };
    case 'POST /api/rollouts/:id/rollback':
      return { path: fill(url, values), body: {} };
    case 'POST /ui/session':
      return { path: url, body: { token: ADMIN_TOKEN } };
    case 'GET /ui/*':
      return { path: '/ui/fleet' };
    case 'GET /api/agents/:uid/config-diff':
      return { path: `${fill(url, values)}?config=gw` };
    case 'POST /mcp':
      return {
        path: url,
        body: {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'matrix', version: '1' } },
        },
        headers: { Accept: 'application/json, text/event-stream' },
      };
    default:
      return { path: fill(url, values) };
  }
}

async function request(method: string, caller: Caller, i: { path: string; body?: unknown; headers?: Record<string, string> }): Promise<number> {
  const headers: Record<string, string> = { ...(i.headers ?? {}) };
  if (caller === 'wrong') headers.Authorization = 'Bearer ampk_this-token-was-never-issued-0123456789abcdefghijk';
  else if (caller !== 'none') headers.Authorization = `Bearer ${tokens[caller]}`;
  if (i.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(server.controlUrl + i.path, { method, headers, body: i.body === undefined ? undefined : JSON.stringify(i.body), redirect: 'manual' });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
  else await res.arrayBuffer();
  return res.status;
}

function expected(rule: Rule, caller: Caller): number[] {
  if (rule.allow === 'anyone') return [...rule.ok];
  if (rule.allow === 'slack-signature') return [401];
  if (caller === 'none' || caller === 'wrong') return [401];
  return rule.allow.includes(caller) ? [...rule.ok] : [403];
}

describe('access-control matrix: REST, MCP endpoint and Slack endpoint', () => {
  it('covers every registered route (new routes must be added to MATRIX)', () => {
    const registered = new Set(
      registeredRoutes(server.control)
        .filter((r) => r.method !== 'HEAD')
        .map((r) => `${r.method} ${r.url}`),
    );
    expect([...registered].sort()).toEqual(Object.keys(MATRIX).sort());
    for (const r of registeredRoutes(server.control).filter((x) => x.method === 'HEAD')) expect(registered.has(`GET ${r.url}`), r.url).toBe(true);
  });

  it('lets only the allowed callers through on every route', async () => {
    const wrong: string[] = [];
    for (const [key, rule] of Object.entries(MATRIX)) {
      const method = key.split(' ')[0]!;
      for (const caller of CALLERS) {
        const status = await request(method, caller, await input(key));
        if (!expected(rule, caller).includes(status)) wrong.push(`${key} as ${caller}: got ${status}, expected ${expected(rule, caller).join('|')}`);
        if (method === 'GET') {
          const head = await request('HEAD', caller, await input(key));
          const want = expected(rule, caller);
          if (!want.includes(head)) wrong.push(`HEAD ${key.slice(4)} as ${caller}: got ${head}, expected ${want.join('|')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(CHANGE_RULES)('$rule', async (c) => {
    const req = await pending(c.requester);
    const actor = c.actor === 'requester' ? c.requester : c.actor;
    const headers: Record<string, string> = { Authorization: `Bearer ${tokens[actor]}`, 'Content-Type': 'application/json' };
    if (c.client) headers['X-Ampgate-Client'] = c.client;
    const res = await fetch(`${server.controlUrl}/api/changes/${req.id}/${c.action}`, { method: 'POST', headers, body: '{}' });
    const body = (await res.json()) as { error?: { message: string } };
    expect(res.status, JSON.stringify(body)).toBe(c.status);
    if (c.message) expect(body.error?.message).toMatch(c.message);
    const after = server.changes.get(req.id)!;
    if (c.status === 403) expect(after.state).toBe('pending'); // a refusal changes nothing
  });

  it('audits every refusal of a change action', async () => {
    const denials = server.changes.audit.list({ after: 0, limit: 1000 }).filter((e) => e.action === 'policy.denied');
    expect(denials.length).toBeGreaterThanOrEqual(CHANGE_RULES.filter((c) => c.status === 403).length);
  });
});
