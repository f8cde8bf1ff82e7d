/**
 * The console's server side over real HTTP: pages and assets with a strict CSP, sign-in and the
 * session cookie, CSRF and same-origin checks on writes, roles and change-request rules through a
 * session (the same engine as the API), sign-out, revocation, the event stream, and the REST
 * additions the console uses (fleet filters, agent-scoped changes, audit filters, summary).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/console.js';
import { publicDir } from '../../src/web/assets.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { seedPeople, type People } from '../support/people.js';
import { ADMIN_TOKEN, eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';

let server: TestServer;
let people: People;
const pool = new AgentPool();
let agentUid = '';

beforeAll(async () => {
  const dir = tempDir();
  const seeded = seedPeople(dir);
  people = seeded.people;
  server = await startTestServer({ policyFile: seeded.policyFile }, dir);
  agentUid = (await pool.start(server, { identifying: { 'service.name': 'checkout', 'host.name': 'web-7' } })).uidText;
  await pushVersion(server, 'gw', collectorConfig('debug'));
});

afterAll(async () => {
  await pool.closeAll();
  await server.stop();
  removeDir(server.dir);
});

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
  readonly body: { principal: { name: string; role: string }; csrfToken: string; expiresAt: string };
}

async function signIn(token: string): Promise<Session> {
  const res = await fetch(`${server.controlUrl}/ui/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  const body = (await res.json()) as Session['body'];
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie, body };
}

async function call(
  s: Pick<Session, 'cookie'> | null,
  method: string,
  path: string,
  opts: { body?: unknown; csrf?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (s) headers.Cookie = s.cookie;
  if (opts.csrf !== undefined) headers['X-CSRF-Token'] = opts.csrf;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(server.controlUrl + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test helper reads arbitrary JSON response bodies
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

let proposals = 0;
async function proposeAsAlice(reason: string): Promise<ChangeRequest> {
  // A distinct pendingWaitSeconds per call, so no two proposals are the same open request.
  const params = { config: 'gw', version: 1, pendingWaitSeconds: 60 + ++proposals };
  const r = await server.api<{ request: ChangeRequest }>(
    'POST',
    '/api/changes',
    { kind: 'config_push', target: { agents: [agentUid] }, params, reason },
    people.alice,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.request;
}

describe('console pages and assets', () => {
  it('redirects / to /ui/ and serves the shell for every console path with a strict CSP', async () => {
    const root = await call(null, 'GET', '/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    for (const path of ['/ui/', '/ui/fleet', '/ui/changes/12']) {
      const r = await call(null, 'GET', path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.body).toContain('/ui/assets/app.js');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves the front end and the vendored libraries locally, with ETags, and nothing else', async () => {
    const app = await call(null, 'GET', '/ui/assets/app.js');
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/);
    const etag = app.headers.get('etag')!;
    const again = await fetch(`${server.controlUrl}/ui/assets/app.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    for (const vendor of ['vendor/preact.mjs', 'vendor/htm.mjs']) expect((await call(null, 'GET', `/ui/assets/${vendor}`)).status).toBe(200);
    for (const bad of [
      '/ui/assets/nope.js',
      '/ui/assets/vendor/',
      '/ui/assets/vendor/../../package.json',
      '/ui/assets/%2e%2e/assets.ts',
      '/ui/assets/..%2f..%2fpackage.json',
    ]) {
      const r = await call(null, 'GET', bad);
      // Only files from the in-memory table are served: anything else is a 404 or (once the
      // client normalised the dots away) the page shell, never a file from disk.
      if (r.status === 200) expect(String(r.body).startsWith('<!doctype html>'), bad).toBe(true);
      else expect(r.status, bad).toBe(404);
    }
  });

  it('has no inline script, inline style or external URL in any console file', () => {
    const dir = publicDir();
    const files = (function walk(d: string): string[] {
      return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    })(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (f.endsWith('.html')) {
        expect(text, f).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
        expect(text, f).not.toMatch(/<style|\sstyle=/);
      }
      expect(text, f).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    }
  });
});

describe('console sessions over HTTP', () => {
  it('exchanges a token for an HttpOnly, SameSite=Strict cookie and refuses bad tokens', async () => {
    const s = await signIn(people.alice);
    expect(s.setCookie).toMatch(/^ampgate_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(s.setCookie).not.toContain(people.alice);
    expect(s.body.principal).toMatchObject({ name: 'alice', role: 'approver' });
    const me = await call(s, 'GET', '/ui/session');
    expect(me.body.csrfToken).toBe(s.csrf);
    const bad = await call(null, 'POST', '/ui/session', { body: { token: 'ampk_wrong' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect((await call(null, 'POST', '/ui/session', { body: {} })).status).toBe(400);
  });

  it('refuses a cross-site sign-in (login CSRF)', async () => {
    const byOrigin = await call(null, 'POST', '/ui/session', { body: { token: people.alice }, headers: { Origin: 'http://evil.example' } });
    expect(byOrigin.status).toBe(403);
    const bySite = await call(null, 'POST', '/ui/session', { body: { token: people.alice }, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(bySite.status).toBe(403);
    expect(bySite.headers.get('set-cookie')).toBeNull();
  });

  it('authenticates /api reads by cookie, and every write needs the CSRF token from this origin', async () => {
    const s = await signIn(people.bob);
    const who = await call(s, 'GET', '/api/whoami');
    expect(who.status).toBe(200);
    expect(who.body.principal).toMatchObject({ kind: 'api_token', name: 'bob', role: 'approver', llm: false });

    const body = { name: 'from-console', body: collectorConfig('debug') };
    const none = await call(s, 'POST', '/api/configs', { body });
    expect(none.status).toBe(403);
    expect(none.body.error.message).toMatch(/CSRF/);
    expect((await call(s, 'POST', '/api/configs', { body, csrf: 'x'.repeat(43) })).status).toBe(403);
    const other = await signIn(people.alice);
    expect((await call(s, 'POST', '/api/configs', { body, csrf: other.csrf })).status).toBe(403); // another session's token
    expect((await call(s, 'POST', '/api/configs', { body, csrf: s.csrf, headers: { Origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    expect((await call(s, 'POST', '/api/configs', { body, csrf: s.csrf, headers: { 'Sec-Fetch-Site': 'same-site' } })).status).toBe(403);
    expect(server.fleetActions.catalog.repo.get('from-console')).toBeUndefined();

    const ok = await call(s, 'POST', '/api/configs', { body, csrf: s.csrf, headers: { Origin: server.controlUrl, 'Sec-Fetch-Site': 'same-origin' } });
    expect(ok.status).toBe(201);
    expect(ok.body.version.author).toBe('bob');
  });

  it('gives a session exactly its token role, and a bearer header wins over the cookie', async () => {
    const viewer = (await server.api<{ secret: string }>('POST', '/api/tokens', { name: 'vera', role: 'viewer' })).body.secret;
    const s = await signIn(viewer);
    const write = await call(s, 'POST', '/api/configs', { body: { name: 'v', body: collectorConfig('debug') }, csrf: s.csrf });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/proposer role/);
    expect((await call(s, 'GET', '/api/audit')).status).toBe(403);
    const admin = await signIn(ADMIN_TOKEN);
    const mixed = await call(admin, 'GET', '/api/whoami', { headers: { Authorization: `Bearer ${viewer}` } });
    expect(mixed.body.principal.name).toBe('vera');
  });

  it('applies the change-request rules of the engine: no self-approval, a second person approves, audited as the web channel', async () => {
    const req = await proposeAsAlice('console approval test');
    const alice = await signIn(people.alice);
    const self = await call(alice, 'POST', `/api/changes/${req.id}/approve`, { body: { fingerprint: req.fingerprint }, csrf: alice.csrf });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/self-approval/);
    expect(server.changes.get(req.id)!.state).toBe('pending');

    const bob = await signIn(people.bob);
    const stale = await call(bob, 'POST', `/api/changes/${req.id}/approve`, { body: { fingerprint: '0'.repeat(64) }, csrf: bob.csrf });
    expect(stale.status).toBe(409);
    const ok = await call(bob, 'POST', `/api/changes/${req.id}/approve`, { body: { fingerprint: req.fingerprint, comment: 'fine' }, csrf: bob.csrf });
    expect(ok.status).toBe(200);
    expect(ok.body.approvals.map((a: { principal: { name: string } }) => a.principal.name)).toEqual(['bob']);
    const audit = server.changes.audit.list({ requestId: req.id, action: 'change.approved' });
    expect(audit.map((e) => e.data.channel)).toEqual(['web']);
    const denied = server.changes.audit.list({ requestId: req.id, action: 'policy.denied' });
    expect(denied.map((e) => e.data.channel)).toEqual(['web']);
  });

  it('signs out (CSRF-checked) and the old cookie is dead; a revoked token ends its sessions', async () => {
    const s = await signIn(people.bob);
    expect((await call(s, 'DELETE', '/ui/session')).status).toBe(403);
    const out = await call(s, 'DELETE', '/ui/session', { csrf: s.csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^ampgate_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const replay = await call(s, 'GET', '/api/whoami');
    expect(replay.status).toBe(401);
    expect(replay.body.error.details).toEqual({ session: 'ended' });

    const t = (await server.api<{ secret: string; token: { id: string } }>('POST', '/api/tokens', { name: 'temp', role: 'viewer' })).body;
    const s2 = await signIn(t.secret);
    expect((await call(s2, 'GET', '/api/agents')).status).toBe(200);
    await server.api('DELETE', `/api/tokens/${t.token.id}`);
    const after = await call(s2, 'GET', '/api/agents');
    expect(after.status).toBe(401);
    expect(after.body.error.details).toEqual({ session: 'token_revoked' });
  });

  it('limits a session to the per-token request rate like a bearer token', async () => {
    const dir = tempDir();
    const slow = await startTestServer({ apiRate: 1, apiBurst: 2 }, dir);
    try {
      const res = await fetch(`${slow.controlUrl}/ui/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: ADMIN_TOKEN }),
      });
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${slow.controlUrl}/api/agents`, { headers: { Cookie: cookie } })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await slow.stop();
      removeDir(dir);
    }
  });

  it('leaves the console out when AMPGATE_CONSOLE=false', async () => {
    const dir = tempDir();
    const off = await startTestServer({ console: false }, dir);
    try {
      expect((await fetch(`${off.controlUrl}/ui/`)).status).toBe(404);
      expect(
        (
          await fetch(`${off.controlUrl}/ui/session`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ token: ADMIN_TOKEN }),
          })
        ).status,
      ).toBe(404);
    } finally {
      await off.stop();
      removeDir(dir);
    }
  });
});

describe('event stream', () => {
  it('sends notices of new requests and approvals to a console session', async () => {
    const s = await signIn(people.bob);
    const ac = new AbortController();
    const res = await fetch(`${server.controlUrl}/api/events`, { headers: { Cookie: s.cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => {});
    await eventually(() => text.includes('event: hello'));
    const req = await proposeAsAlice('event stream test');
    await eventually(() => text.includes(`event: change\ndata: {"id":"${req.id}","type":"proposed"`));
    await call(s, 'POST', `/api/changes/${req.id}/reject`, { body: { comment: 'no' }, csrf: s.csrf });
    await eventually(() => text.includes(`"id":"${req.id}","type":"approval","state":"rejected"`) && text.includes('"decision":"reject"'));
    ac.abort();
    await pump;
    expect((await call(null, 'GET', '/api/events')).status).toBe(401);
  });
});

describe('REST additions for the console', () => {
  it('filters agents by health, config sync and text, and validates the filters', async () => {
    // The agent got gw v1 through the request bob approved above, and applied it.
    const r = await eventually(async () => {
      const x = await server.api<{ total: number; agents: Array<{ uid: string; configSync: string }> }>('GET', '/api/agents?q=WEB-7&configSync=in_sync');
      return x.body.total === 1 ? x : undefined;
    });
    expect(r.body.agents[0]).toMatchObject({ uid: agentUid, configSync: 'in_sync' });
    expect((await server.api<{ total: number }>('GET', '/api/agents?configSync=unmanaged')).body.total).toBe(0);
    expect((await server.api<{ total: number }>('GET', '/api/agents?health=healthy&selector=host.name%3Dweb-7')).body.total).toBe(1);
    expect((await server.api<{ total: number }>('GET', '/api/agents?q=nothing-like-this')).body.total).toBe(0);
    expect((await server.api('GET', '/api/agents?health=sick')).status).toBe(400);
    expect((await server.api('GET', '/api/agents?configSync=maybe')).status).toBe(400);
  });

  it('lists the change requests that touched an agent', async () => {
    const req = await proposeAsAlice('touches the agent');
    const r = await server.api<{ changes: Array<{ id: string }> }>('GET', `/api/changes?agent=${agentUid.toUpperCase()}`);
    expect(r.body.changes.map((c) => c.id)).toContain(req.id);
    const other = await server.api<{ total: number }>('GET', '/api/changes?agent=0190f3c4-8a6b-7c2e-9d1a-000000000000');
    expect(other.body.total).toBe(0);
    expect((await server.api('GET', '/api/changes?agent=not-a-uid')).status).toBe(400);
  });

  it('filters the audit log by action prefix and actor, newest first', async () => {
    const page = await server.api<{ entries: Array<{ seq: number; action: string }>; next: number | null }>(
      'GET',
      '/api/audit?order=desc&action=change.&limit=2',
    );
    expect(page.body.entries).toHaveLength(2);
    expect(page.body.entries[0]!.seq).toBeGreaterThan(page.body.entries[1]!.seq);
    expect(page.body.entries.every((e) => e.action.startsWith('change.'))).toBe(true);
    const older = await server.api<{ entries: Array<{ seq: number }> }>('GET', `/api/audit?order=desc&action=change.&before=${page.body.next}`);
    expect(older.body.entries.every((e) => e.seq < page.body.next!)).toBe(true);
    const denied = await server.api<{ entries: Array<{ action: string; actor: string }> }>('GET', '/api/audit?action=policy.denied');
    expect(denied.body.entries.length).toBeGreaterThan(0);
    expect(new Set(denied.body.entries.map((e) => e.action))).toEqual(new Set(['policy.denied']));
    const actor = denied.body.entries[0]!.actor;
    const byActor = await server.api<{ entries: Array<{ actor: string }> }>('GET', `/api/audit?actor=${encodeURIComponent(actor)}`);
    expect(new Set(byActor.body.entries.map((e) => e.actor))).toEqual(new Set([actor]));
    expect((await server.api('GET', '/api/audit?action=DROP%20TABLE')).status).toBe(400);
  });

  it('summarises the fleet, open requests and rollouts', async () => {
    const r = await server.api<{ agents: { known: number; connected: number }; changes: { pending: number } }>('GET', '/api/summary');
    expect(r.status).toBe(200);
    expect(r.body.agents).toMatchObject({ known: 1, connected: 1, unhealthy: 0, outOfSync: 0 });
    expect(r.body.changes.pending).toBe(server.changes.list({ states: ['pending'] }).total);
  });
});
