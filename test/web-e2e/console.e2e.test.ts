/**
 * The web console in a real headless Chromium against a real server with 5,000 simulated agents:
 * sign-in, finding an agent, a request proposed through the API appearing live, self-approval
 * refused, approval by a second person, the rollout reaching APPLIED without a reload, CSRF and
 * cross-site refusals, sign-out and session expiry, and an accessibility audit of every page.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import { collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, eventually } from '../support/server.js';
import { launchChromium, type LaunchedBrowser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';
import { axeAudit, watchPage } from './support/page-checks.js';

const AGENTS = 5000;
let cs: ConsoleServer;
let chrome: LaunchedBrowser;
let page: Page;
let watched: { problems: string[] };
/** Accessibility violations per page, collected as the scenarios visit them. */
const audits = new Map<string, unknown[]>();

beforeAll(async () => {
  cs = await startConsoleServer(AGENTS);
  await pushVersion(cs.server, 'gw', collectorConfig('debug'));
  await pushVersion(cs.server, 'gw', collectorConfig('otlp'));
  chrome = await launchChromium();
  page = chrome.browser.pages()[0] ?? (await chrome.browser.newPage());
  watched = watchPage(page);
}, 180_000);

afterAll(async () => {
  await chrome?.close();
  await cs?.stop();
});

const url = (path: string) => cs.server.controlUrl + path;

async function audit(name: string): Promise<void> {
  audits.set(name, await axeAudit(page));
}

async function signIn(token: string): Promise<void> {
  await page.goto(url('/ui/'));
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to ampgate' }).waitFor();
}

async function proposeAs(token: string, cell: string): Promise<ChangeRequest> {
  const r = await cs.server.api<{ request: ChangeRequest }>(
    'POST',
    '/api/changes',
    {
      kind: 'config_push',
      target: { selector: `cell=${cell}` },
      params: { config: 'gw', version: 2, canary: 1, bakeSeconds: 0 },
      reason: `roll gw v2 to ${cell}`,
    },
    token,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.request;
}

describe('web console in Chromium', () => {
  it('signs in by keyboard with an API token; the session cookie is HttpOnly and SameSite=Strict and the token is not kept', async () => {
    await page.goto(url('/'));
    await page.getByRole('heading', { name: 'Sign in to ampgate' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await audit('sign-in');

    await page.getByLabel('API token').fill('ampk_not-a-real-token-0123456789abcdefghijklmnopqrstu');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown or revoked API token/);

    // Keyboard only: the skip link comes first, then the token field; Enter submits.
    await page.reload();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('token');
    await page.keyboard.type(cs.people.alice);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('.principal').textContent()).toContain('alice (approver)');

    const cookies = await chrome.browser.cookies(cs.server.controlUrl);
    const session = cookies.find((c) => c.name === 'ampgate_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session!.value).not.toContain(cs.people.alice);
    const stored = (await page.evaluate('JSON.stringify([document.cookie, Object.entries(localStorage), Object.entries(sessionStorage)])')) as string;
    expect(stored).not.toContain(cs.people.alice);
    expect(stored).not.toContain(session!.value); // HttpOnly: not readable by scripts
  });

  it('finds one agent among 5,000 with server-side search and shows its detail', async () => {
    await page.getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect.poll(() => page.locator('.count').textContent()).toMatch(/Agents 1–50 of 5,000/);
    await audit('fleet');

    await page.getByLabel('Search').fill('host-4242');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('.count').textContent()).toBe('Agents 1–1 of 1');
    const uid = cs.agents[4242]!.uidText;
    await page.getByRole('link', { name: uid }).click();
    await page.getByRole('heading', { level: 1, name: /search/ }).waitFor();
    const attrs = await page.locator('table.kv').first().textContent();
    expect(attrs).toContain('host-4242');
    expect(attrs).toContain('cell-242');
    await audit('agent');

    // The attribute selector filters too, with negation, together with the connection filter.
    await page.goto(url('/ui/fleet?selector=cell%3Dcell-42%2Cservice.name!%3Dpayments&connected=true'));
    await expect.poll(() => page.locator('.count').textContent()).toBe('Agents 1–5 of 5');
    await page.goto(url('/ui/fleet?selector=cell%3Dcell-42%2Chost.name!%3Dhost-0042'));
    await expect.poll(() => page.locator('.count').textContent()).toBe('Agents 1–4 of 4');
  });

  it(
    'shows a request proposed through the API live, refuses self-approval, and lets a second person approve; the rollout reaches APPLIED ' + 'without a reload',
    async () => {
      await page.getByRole('link', { name: 'Change requests' }).click();
      await page.getByRole('heading', { name: 'Change requests' }).waitFor();
      const proposed = await proposeAs(cs.people.alice, 'cell-42');
      // Arrives through the event stream: no reload, no polling by the test.
      await page
        .getByRole('link', { name: `#${proposed.id}`, exact: true })
        .first()
        .waitFor({ timeout: 10_000 });
      await page.locator('.notice', { hasText: `New change request #${proposed.id}` }).waitFor();
      await audit('changes');

      await page
        .getByRole('cell')
        .getByRole('link', { name: `#${proposed.id}`, exact: true })
        .click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`#${proposed.id}:`) }).waitFor();
      const facts = await page.locator('dl.facts').textContent();
      expect(facts).toContain('selector cell=cell-42');
      expect(facts).toContain(proposed.fingerprint);
      expect(facts).toMatch(/Eligible agents\s*5/);
      expect(facts).toMatch(/0 of 1 needed/);
      expect(await page.locator('table.diff').count()).toBeGreaterThan(0);
      await audit('change');

      // alice proposed it: the engine refuses her approval, and the console shows its error.
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => page.locator('.decide [role=alert]').textContent()).toMatch(/403 forbidden: .*self-approval/);
      expect(cs.server.changes.get(proposed.id)!.state).toBe('pending');
      expect(cs.server.changes.get(proposed.id)!.approvals).toEqual([]);

      await signOut();
      await signIn(cs.people.bob);
      await page.goto(url(`/ui/changes/${proposed.id}`));
      await page.getByRole('button', { name: 'Approve' }).waitFor();
      await page.evaluate('window.__sameDocument = "yes"');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('p.ok-text[role=status]', { hasText: 'Approved' }).waitFor();
      await page.getByRole('link', { name: `Watch the rollout of #${proposed.id}` }).click();
      await page.getByRole('heading', { name: 'Progress per stage' }).waitFor();
      // Stage 1 (the canary) is seen offered or applying before anything is applied; agents take 1.5 s.
      await page.locator('[data-outcome=offered], [data-outcome=applying]').first().waitFor({ timeout: 10_000 });
      await page.locator('[data-rollout-state=completed]').waitFor({ timeout: 30_000 });
      const stages = await page.locator('ol.stages').textContent();
      expect(stages).toMatch(/Stage 1.*1 applied/s);
      expect(stages).toMatch(/Stage 2.*4 applied/s);
      expect(await page.evaluate('window.__sameDocument')).toBe('yes'); // updated live, never reloaded
      await audit('rollout');

      const done = await eventually(() => {
        const r = cs.server.changes.get(proposed.id)!;
        return r.state === 'succeeded' ? r : undefined;
      }, 10_000);
      expect(done.approvals.map((a) => a.principal.name)).toEqual(['bob']);
      const applied = cs.agents.filter((a) => a.opts.identifying?.cell === 'cell-42').map((a) => a.remote?.status);
      expect(applied).toEqual(Array(5).fill(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED)); // reported by the agents themselves
    },
  );

  it('refuses writes without the CSRF token and cross-site form posts; nothing changes', async () => {
    const pending = await proposeAs(cs.people.alice, 'cell-43');
    await page.goto(url('/ui/changes'));
    const attempt = async (headers: Record<string, string>) =>
      page.evaluate(
        `fetch('/api/changes/${pending.id}/approve', { method: 'POST', headers: ` +
          `${JSON.stringify({ 'Content-Type': 'application/json', ...headers })}, body: '{}' }).then(async (r) => [r.status, await r.text()])`,
      ) as Promise<[number, string]>;
    const [noToken, noTokenBody] = await attempt({});
    expect(noToken).toBe(403);
    expect(noTokenBody).toMatch(/CSRF/);
    const [wrong] = await attempt({ 'X-CSRF-Token': 'forged-0123456789abcdefghijklmnopqrstuvwxyzABC' });
    expect(wrong).toBe(403);

    // Another site (127.0.0.2 is not 127.0.0.1) auto-submits a form to the approve route.
    const port = Number(new URL(cs.server.controlUrl).port);
    const evil = await evilSite(`http://127.0.0.1:${port}/api/changes/${pending.id}/approve`);
    try {
      await page.goto(evil.url);
      await page.waitForURL(/\/api\/changes\/\d+\/approve$/);
      expect(await page.locator('body').textContent()).toMatch(/"code":"unauthorized"/); // SameSite=Strict: no cookie went along
    } finally {
      evil.server.closeAllConnections(); // Chromium keeps the connection alive; close() alone would wait for it
      await new Promise((r) => evil.server.close(r));
    }
    const after = cs.server.changes.get(pending.id)!;
    expect(after.state).toBe('pending');
    expect(after.approvals).toEqual([]);
    expect(watched.problems).toEqual([]);
  });

  it('signing out ends the session on the server too', async () => {
    await page.goto(url('/ui/fleet'));
    const before = (await chrome.browser.cookies(cs.server.controlUrl)).find((c) => c.name === 'ampgate_session')!.value;
    expect((await fetch(url('/api/whoami'), { headers: { cookie: `ampgate_session=${before}` } })).status).toBe(200);
    await signOut();
    expect((await chrome.browser.cookies(cs.server.controlUrl)).find((c) => c.name === 'ampgate_session')).toBeUndefined();
    const replay = await fetch(url('/api/whoami'), { headers: { cookie: `ampgate_session=${before}` } });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toMatch(/signed out/);
  });

  it('passes an accessibility audit (WCAG 2.1 A/AA and best practices) on every page', async () => {
    await signIn(ADMIN_TOKEN);
    const visits: Array<[string, string, string]> = [
      ['rollouts', '/ui/rollouts', 'Rollouts'],
      ['configs', '/ui/configs', 'Configs'],
      ['config', '/ui/configs/gw', 'gw'],
      ['audit', '/ui/audit', 'Audit log'],
    ];
    for (const [name, path, heading] of visits) {
      await page.goto(url(path));
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('table.list tbody tr').first().waitFor();
      await audit(name);
    }
    expect(await page.locator('[data-verify=ok]').textContent()).toMatch(/Hash chain verified/);
    expect(Object.fromEntries(audits)).toEqual(Object.fromEntries([...audits.keys()].map((k) => [k, []])));
    expect([...audits.keys()].sort()).toEqual(['agent', 'audit', 'change', 'changes', 'config', 'configs', 'fleet', 'rollout', 'rollouts', 'sign-in']);
    expect(watched.problems).toEqual([]);
  });

  it('shows validation errors of an uploaded config at their line', async () => {
    await page.goto(url('/ui/configs'));
    await page.getByLabel('Name').fill('broken');
    await page
      .getByLabel('Body')
      .fill(
        'receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n ' +
          '     exporters: [kafka]\n',
      );
    await page.getByRole('button', { name: 'Validate and upload' }).click();
    await page.locator('li.bad-line').first().waitFor();
    const bad = page.locator('li.bad-line');
    expect(await bad.first().getAttribute('data-line')).toBe('11');
    expect(await bad.first().textContent()).toMatch(/kafka/);
  });
});

describe('web console session expiry', () => {
  let short: ConsoleServer;
  beforeAll(async () => {
    short = await startConsoleServer(20, { consoleSessionSeconds: 10 });
  }, 60_000);
  afterAll(async () => short?.stop());

  it('sends an expired session back to sign-in with the reason', async () => {
    await page.goto(`${short.server.controlUrl}/ui/`);
    await page.getByLabel('API token').fill(short.people.bob);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${short.server.controlUrl}/ui/fleet`);
    await expect.poll(() => page.locator('.count').textContent()).toMatch(/of 20/);
    await new Promise((r) => setTimeout(r, 10_500));
    await page.getByRole('link', { name: 'Change requests' }).click();
    await page.getByRole('heading', { name: 'Sign in to ampgate' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('status').first().textContent()).toMatch(/expired/);
  });
});

/** A page on another site that auto-submits a form to `target` (the classic CSRF attempt). */
async function evilSite(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/go.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end('document.forms[0].submit();');
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        `<!doctype html><form method="POST" action="${target}" enctype="text/plain"><input name='{"comment":"x","a' value='":1}'></form><script ` +
          `src="/go.js"></script>`,
      );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  const addr = server.address() as { port: number };
  return { server, url: `http://127.0.0.2:${addr.port}/` };
}
