/**
 * Takes the screenshots of the web console under docs/console/ (shown in the README):
 * `npm run screenshots:console`. Starts a real server with 2,000 simulated agents, makes a few
 * unhealthy, runs one rollout to completion and leaves one request pending, then photographs
 * each page in Debian's headless Chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ChangeRequest } from '../src/changes/types.js';
import { collectorConfig, pushVersion } from '../test/support/fleet-fixtures.js';
import { ADMIN_TOKEN, eventually } from '../test/support/server.js';
import { launchChromium } from '../test/web-e2e/support/browser.js';
import { startConsoleServer } from '../test/web-e2e/support/console-server.js';

const OUT = join(import.meta.dirname, '..', 'docs', 'console');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const cs = await startConsoleServer(2000, {}, 400);
  const chrome = await launchChromium();
  try {
    const { server, people, agents } = cs;
    // A few unhealthy agents with a component health tree (OpAMP ComponentHealth).
    for (const i of [7, 123, 1042]) {
      agents[i]!.send({
        health: {
          healthy: false,
          status: 'degraded',
          lastError: 'exporter otlp: connection refused',
          componentHealthMap: {
            'pipeline:traces': {
              healthy: false,
              status: 'StatusRecoverableError',
              lastError: 'exporter otlp: connection refused',
              componentHealthMap: {
                'exporter:otlp': { healthy: false, status: 'StatusRecoverableError', lastError: 'dial tcp 10.0.4.2:4317: connect: connection refused' },
                'receiver:otlp': { healthy: true, status: 'StatusOK' },
              },
            },
            'pipeline:metrics': { healthy: true, status: 'StatusOK' },
          },
        },
      });
    }
    await pushVersion(server, 'gw', collectorConfig('debug'));
    await pushVersion(server, 'gw', collectorConfig('otlp'));
    const propose = async (selector: string, reason: string) =>
      (
        await server.api<{ request: ChangeRequest }>(
          'POST',
          '/api/changes',
          { kind: 'config_push', target: { selector }, params: { config: 'gw', version: 2, canary: 1, bakeSeconds: 0 }, reason },
          people.alice,
        )
      ).body.request;
    const done = await propose('cell=cell-42', 'ship the otlp exporter to cell 42 first');
    await server.api('POST', `/api/changes/${done.id}/approve`, { fingerprint: done.fingerprint, comment: 'canary looks fine' }, people.bob);
    await eventually(() => server.changes.get(done.id)!.state === 'succeeded', 30_000);
    const pending = await propose('service.name=checkout,deployment.environment=staging', 'checkout staging: switch traces from debug to the otlp exporter');

    const page = chrome.browser.pages()[0] ?? (await chrome.browser.newPage());
    const url = (p: string) => server.controlUrl + p;
    const shot = async (name: string, fullPage = false) => {
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
      process.stdout.write(`docs/console/${name}.png\n`);
    };
    await page.goto(url('/ui/'));
    await page.getByRole('heading', { name: 'Sign in to ampgate' }).waitFor();
    await shot('sign-in');
    await signIn(page, url('/ui/'), people.bob);

    await page.goto(url('/ui/fleet'));
    await page.locator('table.list tbody tr').first().waitFor();
    await shot('fleet');
    await page.goto(url(`/ui/agents/${agents[1042]!.uidText}`));
    await page.getByRole('heading', { name: 'Health' }).waitFor();
    await shot('agent', true);
    await page.goto(url('/ui/changes?state=all'));
    await page.locator('table.list tbody tr').first().waitFor();
    await shot('changes');
    await page.goto(url(`/ui/changes/${pending.id}`));
    await page.locator('table.diff').first().waitFor();
    await shot('change', true);
    await page.goto(url(`/ui/rollouts/${done.id}`));
    await page.locator('[data-rollout-state=completed]').waitFor();
    await shot('rollout', true);
    await page.goto(url('/ui/configs'));
    await page.getByLabel('Name').fill('edge');
    await page
      .getByLabel('Body')
      .fill(
        'receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n ' +
          '     exporters: [kafka]\n',
      );
    await page.getByRole('button', { name: 'Validate and upload' }).click();
    await page.locator('li.bad-line').first().waitFor();
    await shot('configs', true);
    await page.goto(url('/ui/configs/gw'));
    await page.getByRole('button', { name: 'Diff versions' }).click();
    await page.locator('table.diff').waitFor();
    await shot('config', true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, url('/ui/'), ADMIN_TOKEN);
    await page.goto(url('/ui/audit'));
    await page.locator('[data-verify=ok]').waitFor();
    await shot('audit');
  } finally {
    await chrome.close();
    await cs.stop();
  }
}

async function signIn(page: Page, signInUrl: string, token: string): Promise<void> {
  await page.goto(signInUrl);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

await main();
