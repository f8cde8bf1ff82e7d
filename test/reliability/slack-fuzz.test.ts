/**
 * Bad input through Slack: correctly signed but malformed slash commands, interaction payloads and
 * event envelopes (fast-check), badly signed ones, and a Slack Web API that cannot be reached. Each
 * gets 200 (handled or ignored), 400 (unreadable) or 401 (signature), never a 500, and ampgate
 * keeps running.
 */
import fc from 'fast-check';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/log.js';
import { LogCapture } from '../support/creds.js';
import { eventually, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { sign, SlackApiRecorder } from '../support/slack.js';

const SEED = Number(process.env.AMPGATE_FUZZ_SEED ?? 20240601);

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
const rejections: unknown[] = [];
const onRejection = (r: unknown) => rejections.push(r);

afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  await server?.stop();
  await slack?.stop();
  server = undefined;
  slack = undefined;
});

async function start(slackApiUrl: string, logs = new LogCapture()): Promise<LogCapture> {
  const dir = tempDir();
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ approvers: { principals: ['slack:UAPPROVER'] } }));
  server = await startTestServer(
    {
      slackBotToken: 'xoxb-fuzz-bot-token',
      slackSigningSecret: 'test-signing-secret-0123456789abcdef',
      slackApiUrl,
      slackApprovalsChannel: 'C0APPROVALS',
      policyFile,
      logLevel: 'warn',
    },
    dir,
    { logger: createLogger('warn', logs) },
  );
  return logs;
}

async function post(body: string, contentType: string, headers: Record<string, string> = sign(body)): Promise<number> {
  const res = await fetch(`${server!.controlUrl}/slack/events`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body });
  await res.text();
  return res.status;
}

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    'agents',
    'agents ===',
    'agents a=b,',
    'agent',
    'agent 123',
    'agent 00000000-0000-0000-0000-000000000000',
    'configs',
    'requests',
    'request',
    'request 999999',
    'request ../../etc',
    'help',
  ),
  fc.constantFrom(
    'push',
    'push x to',
    'push x@0 to all',
    'push x@-1 to a=b',
    'pause',
    'pause all',
    'pause a=b because',
    'restart ,,,',
    'rotate certificate 00000000-0000-0000-0000-000000000000',
    'resume =',
    `pause k!=v because ${'x'.repeat(3000)}`,
  ),
  fc.tuple(fc.constantFrom('pause', 'push', 'agents', 'restart', 'rotate'), fc.string({ maxLength: 40 })).map(([v, r]) => `${v} ${r}`),
);
const id = fc.oneof(fc.constantFrom('UREQUESTER', 'UAPPROVER', '', 'U'.repeat(200)), fc.string({ maxLength: 12 }));

const slash = fc.record(
  {
    command: fc.constantFrom('/ampgate', '/ampgate-dev', '/other', ''),
    text,
    user_id: id,
    user_name: fc.string({ maxLength: 10 }),
    team_id: fc.constant('T0001'),
    channel_id: fc.constant('C0GENERAL'),
    response_url: fc.constant('http://127.0.0.1:9/unused'),
    trigger_id: fc.constant('t'),
  },
  { requiredKeys: ['command'] },
);

const actionValue = fc.oneof(fc.constantFrom('', '|', '1|', '|abc', '999999|deadbeefdead', '1|x|y', '../1|fp'), fc.string({ maxLength: 30 }), fc.integer());
const interaction = fc.record(
  {
    type: fc.constantFrom('block_actions', 'view_submission', 'shortcut', 'message_action', 'x'),
    user: fc.option(fc.record({ id, username: fc.string({ maxLength: 10 }), name: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }), { nil: undefined }),
    channel: fc.option(fc.record({ id: fc.constantFrom('C0APPROVALS', '') }), { nil: undefined }),
    team: fc.constant({ id: 'T0001' }),
    actions: fc.oneof(
      fc.constant([]),
      fc.array(
        fc.record(
          {
            action_id: fc.constantFrom('change_approve', 'change_reject', 'other', ''),
            block_id: fc.string({ maxLength: 10 }),
            value: actionValue,
            type: fc.constant('button'),
          },
          { requiredKeys: ['action_id'] },
        ),
        { maxLength: 2 },
      ),
      fc.jsonValue(),
    ),
    message: fc.constant({ ts: '1700000000.000100' }),
    response_url: fc.constant('http://127.0.0.1:9/unused'),
  },
  { requiredKeys: ['type'] },
);

const eventEnvelope = fc.record(
  {
    type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited', 'x'),
    team_id: fc.constant('T0001'),
    event_id: fc.string({ minLength: 1, maxLength: 12 }),
    challenge: fc.option(fc.jsonValue(), { nil: undefined }),
    event: fc.oneof(
      fc.constant(null),
      fc.jsonValue(),
      fc.record(
        {
          type: fc.constantFrom('app_mention', 'message', 'subteam_members_changed', 'reaction_added'),
          user: fc.option(id, { nil: undefined }),
          text: fc.oneof(text, fc.integer() as fc.Arbitrary<unknown>),
          channel: fc.constant('C0GENERAL'),
          channel_type: fc.constantFrom('im', 'channel'),
          ts: fc.constant('1700000000.000100'),
          subteam_id: fc.string({ maxLength: 5 }),
        },
        { requiredKeys: ['type'] },
      ),
    ),
  },
  { requiredKeys: ['type'] },
);

type Case = { body: string; contentType: string };
const cases: fc.Arbitrary<Case> = fc.oneof(
  slash.map((f) => ({ body: new URLSearchParams(f as Record<string, string>).toString(), contentType: 'application/x-www-form-urlencoded' })),
  interaction.map((p) => ({ body: new URLSearchParams({ payload: JSON.stringify(p) }).toString(), contentType: 'application/x-www-form-urlencoded' })),
  eventEnvelope.map((e) => ({ body: JSON.stringify(e), contentType: 'application/json' })),
  fc
    .oneof(fc.string({ maxLength: 80 }), fc.constantFrom('payload=%7Bnot-json', 'payload=', 'payload=null', 'payload=42', '{"type":', '[]', 'null', '"x"', '1'))
    .map((body) => ({ body, contentType: fc.sample(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'), 1)[0]! })),
);

describe('Slack payloads: signed but malformed', () => {
  it('answers 600 generated payloads with 200 or 400, never 500, and keeps serving', async () => {
    slack = new SlackApiRecorder();
    const logs = await start(await slack.start());
    process.on('unhandledRejection', onRejection);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const status = await post(c.body, c.contentType);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect([200, 400]).toContain(status);
      }),
      { numRuns: Number(process.env.SLACK_RUNS ?? 600), seed: Number(process.env.SLACK_SEED ?? SEED) },
    );
    console.log('slack fuzz statuses', JSON.stringify(Object.fromEntries(statuses)));
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(rejections).toEqual([]);
    expect(logs.lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    expect((await fetch(`${server!.controlUrl}/healthz`)).status).toBe(200);
  });

  it('refuses unsigned, wrongly signed and replayed payloads with 401 before parsing them', async () => {
    slack = new SlackApiRecorder();
    await start(await slack.start());
    const body = 'payload=%7Bnot-json';
    expect(await post(body, 'application/x-www-form-urlencoded', {})).toBe(401);
    expect(await post(body, 'application/x-www-form-urlencoded', sign(body, undefined, 'another-secret'))).toBe(401);
    expect(await post(body, 'application/x-www-form-urlencoded', sign(body, Math.floor(Date.now() / 1000) - 3600))).toBe(401);
    expect(await post(body, 'application/x-www-form-urlencoded', { ...sign(body), 'X-Slack-Request-Timestamp': 'NaN' })).toBe(401);
    expect(await post(`${body}x`, 'application/x-www-form-urlencoded', sign(body))).toBe(401);
  });
});

describe('Slack outage', () => {
  it('keeps ampgate running when the Slack Web API is unreachable at startup and for events', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    process.on('unhandledRejection', onRejection);
    const logs = await start(`http://127.0.0.1:${closed}/api/`);
    // Bolt's retries (2) take a few seconds; the warning says the check failed.
    await eventually(() => logs.text().includes('cannot verify the Slack bot token'), 20_000, 100);
    const body = new URLSearchParams({
      command: '/ampgate',
      text: 'help',
      user_id: 'UREQUESTER',
      user_name: 'r',
      team_id: 'T0001',
      channel_id: 'C0',
      response_url: 'http://127.0.0.1:9/x',
      trigger_id: 't',
    }).toString();
    const status = await post(body, 'application/x-www-form-urlencoded');
    expect(status).toBeLessThan(600); // answered at all (the event cannot be authorised while Slack is down)
    expect(rejections).toEqual([]);
    expect((await fetch(`${server!.controlUrl}/healthz`)).status).toBe(200);
  }, 60_000);
});
