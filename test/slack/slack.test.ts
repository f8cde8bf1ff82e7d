/**
 * The real Bolt app driven over HTTP with correctly signed requests (slash commands, mentions,
 * button clicks), and a local recorder standing in for the Slack Web API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { TOKEN_PATTERN } from '../../src/creds/secrets.js';
import { PAUSE_CAPABILITY, withPause, type PauseBehaviour } from '../support/fleet-behaviours.js';
import { ENROLLMENT_TOKEN, eventually, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, buttonClick, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashCommand } from '../support/slack.js';
import { TestAgent } from '../support/ws-agent.js';

const REQUESTER = 'UREQUESTER';
const LISTED_APPROVER = 'UAPPROVER1';
const ONCALL = 'UONCALL2';
const OUTSIDER = 'UOUTSIDER';

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
const agents: TestAgent[] = [];
let eventSeq = 0;

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  await slack?.stop();
  server = undefined;
});

async function setup(): Promise<{ pause: PauseBehaviour; agent: TestAgent }> {
  slack = new SlackApiRecorder();
  slack.userGroups.set('S0ONCALL', [ONCALL]);
  const dir = tempDir();
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ approvers: { principals: [`slack:${LISTED_APPROVER}`], slackUserGroups: ['S0ONCALL'] } }));
  server = await startTestServer(
    {
      slackBotToken: 'xoxb-test-bot-token',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: await slack.start(),
      slackApprovalsChannel: APPROVALS_CHANNEL,
      policyFile,
    },
    dir,
  );
  const agent = new TestAgent({
    url: server.opampUrl.ws,
    token: ENROLLMENT_TOKEN,
    identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
    customCapabilities: [PAUSE_CAPABILITY],
  });
  agents.push(agent);
  const pause = withPause(agent);
  await agent.start();
  return { pause, agent };
}

const mention = (user: string, text: string, eventId = `Ev${++eventSeq}`) => ({
  json: {
    type: 'event_callback',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', user, text: `<@UBOT> ${text}`, ts: `1700000${eventSeq}.000100`, channel: 'C0GENERAL', event_ts: `1700000${eventSeq}.000100` },
  },
});

async function onlyRequest(): Promise<ChangeRequest> {
  const list = server!.changes.list({});
  expect(list.total).toBe(1);
  return list.requests[0]!;
}

describe('Slack bot', () => {
  it('turns a natural-language mention into a pending change request with an approval card; an on-call approver executes it', async () => {
    const { pause } = await setup();
    const res = await sendToSlackApp(server!.controlUrl, mention(REQUESTER, 'pause the checkout collectors in prod for now'));
    expect(res.status).toBe(200);
    const card = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === APPROVALS_CHANNEL));
    const request = await onlyRequest();
    expect(request).toMatchObject({ kind: 'pause', state: 'pending', channel: 'slack', llmOriginated: true, requester: { kind: 'slack', id: REQUESTER } });
    expect(request.target).toEqual({ selector: 'service.name=checkout,deployment.environment=prod' });
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('change_approve');
    expect(blocks).toContain('Requested by');
    // The requester gets the understanding and the preview in the thread.
    const reply = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0GENERAL'));
    expect(JSON.stringify(reply.args)).toMatch(/I understood/);
    expect(reply.args.thread_ts).toBeDefined();
    expect(pause.received).toEqual([]); // nothing sent before approval

    // Someone outside the approvers is refused with an ephemeral message.
    await sendToSlackApp(server!.controlUrl, buttonClick(OUTSIDER, request));
    const refusal = await eventually(() => slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === OUTSIDER));
    expect(String(refusal.args.text)).toMatch(/can't approve/);
    expect(server!.changes.get(request.id)?.state).toBe('pending');

    // A member of the on-call user group approves; a double click executes once.
    await Promise.all([sendToSlackApp(server!.controlUrl, buttonClick(ONCALL, request)), sendToSlackApp(server!.controlUrl, buttonClick(ONCALL, request))]);
    await eventually(() => server!.changes.get(request.id)?.state === 'succeeded', 10_000);
    expect(pause.paused).toBe(true);
    expect(pause.received.filter((t) => t === 'pause')).toHaveLength(1);

    // The card is updated in place and the result lands in its thread.
    await server!.slack!.stop();
    const updates = slack!.callsTo('chat.update');
    expect(updates.length).toBeGreaterThan(0);
    expect(JSON.stringify(updates.at(-1)!.args.blocks)).not.toContain('change_approve');
    const thread = slack!.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === card.args.ts || c.args.channel === APPROVALS_CHANNEL && c.args.thread_ts);
    expect(thread.map((c) => String(c.args.text)).join('\n')).toMatch(/succeeded/);
  });

  it('refuses the requester approving their own change, even when they are an approver', async () => {
    await setup();
    const res = await sendToSlackApp(server!.controlUrl, slashCommand(LISTED_APPROVER, 'pause service.name=checkout because noisy'));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toMatch(/Proposed/);
    const request = await onlyRequest();
    expect(request).toMatchObject({ llmOriginated: false, reason: 'noisy' });
    await sendToSlackApp(server!.controlUrl, buttonClick(LISTED_APPROVER, request));
    const refusal = await eventually(() => slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === LISTED_APPROVER));
    expect(String(refusal.args.text)).toMatch(/self-approval/);
    expect(server!.changes.get(request.id)?.state).toBe('pending');
    // The listed approver can reject someone else's request.
    await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'pause deployment.environment=prod'));
    const other = server!.changes.list({}).requests.find((r) => r.requester.id === REQUESTER)!;
    await sendToSlackApp(server!.controlUrl, buttonClick(LISTED_APPROVER, other, 'reject'));
    await eventually(() => server!.changes.get(other.id)?.state === 'rejected');
  });

  it('answers unclear requests with a question instead of a guess, and never creates a request for them', async () => {
    await setup();
    for (const text of ['stop the checkout collectors', 'pause the billing collectors in prod', 'restart checkout and pause payments']) {
      await sendToSlackApp(server!.controlUrl, mention(REQUESTER, text));
    }
    await eventually(() => slack!.callsTo('chat.postMessage').length >= 3);
    expect(server!.changes.list({}).total).toBe(0);
    const res = await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'deploy the new config to staging'));
    expect(JSON.stringify(res.body)).toMatch(/Which config|No agent reports/);
  });

  it('does not create duplicate requests when Slack retries a delivery', async () => {
    await setup();
    const event = mention(REQUESTER, 'pause checkout in prod', 'EvRetry');
    await sendToSlackApp(server!.controlUrl, event);
    await sendToSlackApp(server!.controlUrl, event, { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } });
    await sendToSlackApp(server!.controlUrl, mention(REQUESTER, 'pause checkout in prod'));
    await eventually(() => slack!.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0GENERAL').length >= 2);
    expect(server!.changes.list({}).total).toBe(1);
  });

  it('answers reads: help, agents, configs and requests', async () => {
    const { agent } = await setup();
    expect(JSON.stringify((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'help'))).body)).toMatch(/ampgate push/);
    expect(JSON.stringify((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'agents service.name=checkout'))).body)).toContain(agent.uidText);
    expect(JSON.stringify((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, `agent ${agent.uidText}`))).body)).toContain('checkout');
    expect(JSON.stringify((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'configs'))).body)).toMatch(/catalog is empty/);
    expect(JSON.stringify((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'requests'))).body)).toMatch(/No change requests/);
  });

  it('rejects bad signatures and stale timestamps with 401', async () => {
    await setup();
    expect((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'help'), { secret: 'wrong-secret' })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await sendToSlackApp(server!.controlUrl, slashCommand(REQUESTER, 'help'), { timestamp: sixMinutesAgo })).status).toBe(401);
    const unsigned = await fetch(`${server!.controlUrl}/slack/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(server!.changes.list({}).total).toBe(0);
    // url_verification works when signed.
    const challenge = await sendToSlackApp(server!.controlUrl, { json: { type: 'url_verification', challenge: 'abc123' } });
    expect(challenge.body).toEqual({ challenge: 'abc123' });
  });

  it('never sends a token to Slack', async () => {
    await setup();
    await sendToSlackApp(server!.controlUrl, mention(REQUESTER, 'pause checkout in prod'));
    await eventually(() => slack!.calls.length > 2);
    await server!.slack!.stop();
    for (const c of slack!.calls) expect(JSON.stringify(c.args).match(TOKEN_PATTERN)).toBeNull();
  });
});
