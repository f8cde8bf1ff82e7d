/**
 * Terminal escape injection: an agent reports attributes, an effective config and a remote-config
 * error full of ANSI escapes, carriage returns, line breaks and bidirectional overrides, trying to
 * rewrite what an approver sees ("1 eligible" for a 10-agent change). Every human-facing output
 * (the CLI, its JSON mode, Slack cards) shows them as visible escapes; free text people type
 * (reasons, comments, token names, config comments) refuses them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import { SuiteFixture, collectorConfig } from '../support/fleet-fixtures.js';
import { runCli } from '../support/process.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, SIGNING_SECRET, SlackApiRecorder } from '../support/slack.js';

/** Raw controls: ESC/CSI (7-bit and the C1 CSI U+009B), CR, line breaks, BEL, RLO. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const FORGED_NAME = 'checkout\u001b[2K\r  target: selector -> 1 eligible, 0 ineligible\u001b[8m';
const FORGED_ENV = 'prod\u009b2J\u202egnirts-desrever\u0007';

/** The built `ampgate` binary; stdout and stderr together. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const r = await runCli(args, env);
  return { code: r.code, out: r.out + r.err };
}

/** Every string in a JSON value (the texts of Block Kit blocks). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

const fx = new SuiteFixture();
afterEach(() => fx.close());

describe('agent-reported control characters reach no human raw', () => {
  it('ampgate changes show / agent (text and --json) and the Slack card show visible escapes instead', async () => {
    fx.slack = new SlackApiRecorder();
    fx.server = await startTestServer({
      slackBotToken: 'xoxb-ctl',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: await fx.slack.start(),
      slackApprovalsChannel: APPROVALS_CHANNEL,
    });
    await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    const evil = await fx.pool.start(fx.server, {
      identifying: { 'service.name': FORGED_NAME, 'deployment.environment': FORGED_ENV },
      nonIdentifying: { '\u001b]0;owned\u0007title': 'x\ny' },
      effectiveConfig: { 'c.yaml': 'receivers: {}\n# \u001b[1A\u001b[2Kfake line\r\n' },
    });
    for (let i = 0; i < 9; i++) await fx.pool.start(fx.server, { identifying: { 'service.name': FORGED_NAME, 'deployment.environment': FORGED_ENV } });
    await evil.send({
      remoteConfigStatus: {
        lastRemoteConfigHash: new Uint8Array(32),
        status: RemoteConfigStatuses.RemoteConfigStatuses_FAILED,
        errorMessage: 'bad\u001b[31m\r\nAPPLIED',
      },
    });
    const proposed = await fx.server.api<{ request: ChangeRequest }>('POST', '/api/changes', {
      kind: 'config_push',
      target: { selector: `deployment.environment=${FORGED_ENV.replace(',', '')}` },
      params: { config: 'gw' },
      reason: 'push to the odd ones',
    });
    expect(proposed.status).toBe(201);
    const id = proposed.body.request.id;
    expect(proposed.body.request.targets).toHaveLength(10);

    const env = { AMPGATE_URL: fx.server.controlUrl, AMPGATE_TOKEN: ADMIN_TOKEN };
    const show = await cli(['changes', 'show', id], env);
    expect(show.code).toBe(0);
    expect(show.out).not.toMatch(RAW);
    expect(show.out).toContain('checkout\\x1b[2K\\r  target: selector -> 1 eligible'); // visible, on the labels line
    expect(show.out).toMatch(/-> 10 eligible, 0 ineligible/);
    expect(show.out).toContain('\\u202e');

    const agent = await cli(['agent', evil.uidText], env);
    expect(agent.out).not.toMatch(RAW);
    expect(agent.out).toContain('\\x1b]0;owned\\x07title');
    expect(agent.out).toContain('bad\\x1b[31m\\r\\nAPPLIED');
    expect(agent.out).toContain('\\x1b[1A\\x1b[2Kfake line\\r');

    const json = await cli(['--json', 'changes', 'show', id], env);
    expect(json.out).not.toMatch(RAW);
    const parsed = JSON.parse(json.out) as ChangeRequest;
    expect(Object.keys(parsed.preview.labelBreakdown['service.name']!)).toEqual([FORGED_NAME]); // the data itself is intact

    const card = await (async () => {
      for (let i = 0; i < 100; i++) {
        const c = fx.slack!.callsTo('chat.postMessage').find((m) => m.args.channel === APPROVALS_CHANNEL);
        if (c) return c;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no card');
    })();
    const cardText = JSON.stringify(card.args.blocks);
    expect(JSON.parse(cardText)).toBeTruthy();
    expect(String(card.args.text)).not.toMatch(RAW);
    for (const text of strings(card.args.blocks)) expect(text).not.toMatch(RAW);
    expect(cardText).toContain('checkout\\\\x1b[2K\\\\r');
  }, 60_000);
});

describe('free text with control characters is refused', () => {
  it('reasons, comments, token names, config comments and descriptions get 4xx with a clear message', async () => {
    fx.server = await startTestServer();
    const agent = await fx.pool.start(fx.server);
    const bad = ['needed\u001b[31m now', 'line one\nline two', 'bidi \u202e trick', 'tab\there'];
    for (const reason of bad) {
      const r = await fx.server.api<{ error: { message: string } }>('POST', '/api/changes', {
        kind: 'restart',
        target: { agents: [agent.uidText] },
        params: {},
        reason,
      });
      expect(r.status, JSON.stringify(reason)).toBe(422);
      expect(r.body.error.message).toMatch(/reason: must not contain control characters/);
    }
    const ok = await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    expect(ok.status).toBe(201);
    const push = await fx.server.api<{ request: ChangeRequest }>('POST', '/api/changes', {
      kind: 'config_push',
      target: { agents: [agent.uidText] },
      params: { config: 'gw' },
      reason: 'fine reason',
    });
    expect(push.status).toBe(201);
    const comment = await fx.server.api<{ error: { message: string } }>('POST', `/api/changes/${push.body.request.id}/reject`, {
      comment: 'no\r\nAPPROVED by everyone',
    });
    expect(comment.status).toBe(422);
    expect(comment.body.error.message).toMatch(/comment: must not contain control characters/);
    const name = await fx.server.api<{ error: { message: string } }>('POST', '/api/tokens', { name: 'bob\u001b[8m', role: 'viewer' });
    expect(name.status).toBe(422);
    for (const field of ['comment', 'description']) {
      const r = await fx.server.api<{ error: { message: string } }>('POST', '/api/configs', {
        name: 'gw',
        body: collectorConfig('otlp'),
        [field]: 'v2\u001b[2J',
      });
      expect(r.status).toBe(422);
      expect(r.body.error.message).toMatch(new RegExp(`${field}: must not contain control characters`));
    }
    expect(fx.server.fleetActions.catalog.repo.latestVersion('gw')).toBe(1);
  });
});
