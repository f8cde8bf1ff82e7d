/**
 * The real Bolt app driven over HTTP with correctly signed requests (slash commands, mentions,
 * button clicks), and a local recorder standing in for the Slack Web API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { PAUSE_CAPABILITY, withPause, type PauseBehaviour } from '../support/fleet-behaviours.js';
import { ENROLLMENT_TOKEN, eventually, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, buttonClick, retryClick, runSlash, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashCommand } from '../support/slack.js';
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
    const thread = slack!
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.args.ts || (c.args.channel === APPROVALS_CHANNEL && c.args.thread_ts));
    expect(thread.map((c) => String(c.args.text)).join('\n')).toMatch(/succeeded/);
  });

  /** Three more pausable agents next to setup()'s checkout/prod one; search/staging reports unhealthy. */
  async function moreAgents(): Promise<Record<'payments' | 'frontend' | 'search', TestAgent>> {
    const out: Partial<Record<'payments' | 'frontend' | 'search', TestAgent>> = {};
    for (const [svc, env] of [
      ['payments', 'prod'],
      ['frontend', 'prod'],
      ['search', 'staging'],
    ] as const) {
      const a = new TestAgent({
        url: server!.opampUrl.ws,
        token: ENROLLMENT_TOKEN,
        identifying: { 'service.name': svc, 'deployment.environment': env },
        customCapabilities: [PAUSE_CAPABILITY],
      });
      agents.push(a);
      await a.start();
      out[svc] = a;
    }
    await out.search!.send({ health: { healthy: false, status: 'exporter failing' } });
    await eventually(() => server!.registry.get(out.search!.uidText)?.healthy === false);
    return out as Record<'payments' | 'frontend' | 'search', TestAgent>;
  }

  it('proposes "everything except payments" exactly: the card carries the negated selector and the right agent count', async () => {
    const { agent: checkout } = await setup();
    const more = await moreAgents();
    const text = 'pause everything except payments';
    expect((await sendToSlackApp(server!.controlUrl, mention(REQUESTER, text))).status).toBe(200);
    const card = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === APPROVALS_CHANNEL));
    const request = await onlyRequest();
    expect(request.target).toEqual({ selector: 'service.name!=payments' });
    expect([...request.targets].sort()).toEqual([checkout.uidText, more.frontend.uidText, more.search.uidText].sort());
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('pause 3 agents: every agent except service payments (`service.name!=payments`)');
    expect(String(card.args.text)).toContain('service.name!=payments');
    // The card's reason quotes the original words; the reply quotes them and restates the result.
    expect(request.reason).toContain(`"${text}"`);
    const reply = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0GENERAL'));
    const replyText = JSON.stringify(reply.args.blocks);
    expect(replyText).toContain(`You asked: “${text}”`);
    expect(replyText).toContain('I understood: *pause 3 agents: every agent except service payments (`service.name!=payments`)*');

    // The same selector language works in the strict grammar, health included.
    const strict = await runSlash(server!.controlUrl, slack!, REQUESTER, 'pause healthy=false,service.name!=payments because exporter failing');
    expect(strict.answerText).toContain('pause 1 agent: unhealthy agents except service payments (`healthy=false,service.name!=payments`)');
    const unhealthy = server!.changes.list({}).requests.find((r) => r.target.selector === 'healthy=false,service.name!=payments')!;
    expect(unhealthy.targets).toEqual([more.search.uidText]);
    // Approval binds to the target spec: the same agents by uid make a different fingerprint.
    expect(unhealthy.fingerprint).not.toBe(request.fingerprint);
  });

  it('asks "did you mean" for a misspelt exclusion and proposes only after the asker confirms', async () => {
    await setup();
    await moreAgents();
    await sendToSlackApp(server!.controlUrl, mention(REQUESTER, 'pause everything except paymnts'));
    const question = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0GENERAL'));
    expect(JSON.stringify(question.args.blocks)).toContain('Did you mean `payments`');
    expect(server!.changes.list({}).total).toBe(0);
    const actions = (question.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const button = actions.elements![0]!;
    expect(JSON.parse(button.value)).toEqual({ u: REQUESTER, t: 'pause everything except payments' });

    // Someone else cannot confirm it; the asker can, and only then is anything proposed.
    await sendToSlackApp(server!.controlUrl, retryClick(OUTSIDER, button));
    await eventually(() => slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === OUTSIDER));
    expect(server!.changes.list({}).total).toBe(0);
    await sendToSlackApp(server!.controlUrl, retryClick(REQUESTER, button));
    await eventually(() => server!.changes.list({}).total === 1);
    expect((await onlyRequest()).target).toEqual({ selector: 'service.name!=payments' });
  });

  it('answers what was asked: unhealthy agents, one request by its number, what changed on a service today; refuses approvals', async () => {
    const { agent: checkout } = await setup();
    const more = await moreAgents();
    await runSlash(server!.controlUrl, slack!, REQUESTER, 'pause service.name=checkout because noisy');
    const id = (await onlyRequest()).id;
    const ask = async (text: string) => {
      const before = slack!.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0GENERAL').length;
      await sendToSlackApp(server!.controlUrl, mention(REQUESTER, text));
      const replies = await eventually(() => {
        const r = slack!.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0GENERAL');
        return r.length > before ? r : undefined;
      });
      return JSON.stringify(replies.at(-1)!.args.blocks);
    };
    const unhealthy = await ask('which agents are unhealthy?');
    expect(unhealthy).toContain(more.search.uidText);
    expect(unhealthy).not.toContain(checkout.uidText);
    expect(unhealthy).toContain('unhealthy agents (`healthy=false`)');
    const status = await ask(`status of request ${id}`);
    expect(status).toContain(`\`${id}\` pause · pending`);
    expect(status).toContain('pause 1 agent: agents with service checkout (`service.name=checkout`)');
    const today = await ask('what changed on checkout today');
    expect(today).toContain('1 change request(s)');
    expect(await ask('what changed on payments today')).toContain('No change requests');
    expect(await ask(`approve request ${id}`)).toMatch(/Approving and rejecting are for people/);
    expect(server!.changes.get(id)!.state).toBe('pending');
  });

  it('refuses the requester approving their own change, even when they are an approver', async () => {
    await setup();
    const res = await runSlash(server!.controlUrl, slack!, LISTED_APPROVER, 'pause service.name=checkout because noisy');
    expect(res.ack.status).toBe(200);
    expect(res.answer.response_type).toBe('in_channel');
    expect(res.answerText).toMatch(/Proposed/);
    const request = await onlyRequest();
    expect(request).toMatchObject({ llmOriginated: false, reason: 'noisy' });
    await sendToSlackApp(server!.controlUrl, buttonClick(LISTED_APPROVER, request));
    const refusal = await eventually(() => slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === LISTED_APPROVER));
    expect(String(refusal.args.text)).toMatch(/self-approval/);
    expect(server!.changes.get(request.id)?.state).toBe('pending');
    // A requester without the approver role clicking Approve on their own card is told it is
    // self-approval (the reason that applies to them), not that they lack a role.
    await runSlash(server!.controlUrl, slack!, REQUESTER, 'pause deployment.environment=prod');
    const other = server!.changes.list({}).requests.find((r) => r.requester.id === REQUESTER)!;
    await sendToSlackApp(server!.controlUrl, buttonClick(REQUESTER, other));
    const own = await eventually(() => slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === REQUESTER));
    expect(String(own.args.text)).toMatch(/You can't approve this change: self-approval is not allowed: you proposed request/);
    expect(String(own.args.text)).not.toMatch(/role/);
    expect(server!.changes.get(other.id)?.state).toBe('pending');
    // The listed approver can reject someone else's request.
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
    const res = await runSlash(server!.controlUrl, slack!, REQUESTER, 'deploy the new config to staging');
    expect(res.answerText).toMatch(/Which config|No agent reports/);
    expect(server!.changes.list({}).total).toBe(0);
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
    const ask = async (text: string) => {
      const r = await runSlash(server!.controlUrl, slack!, REQUESTER, text);
      expect(r.answer.response_type).toBe('ephemeral'); // reads are for the asker only
      return r.answerText;
    };
    expect(await ask('help')).toMatch(/ampgate push/);
    expect(await ask('agents service.name=checkout')).toContain(agent.uidText);
    expect(await ask(`agent ${agent.uidText}`)).toContain('checkout');
    expect(await ask('configs')).toMatch(/catalog is empty/);
    expect(await ask('requests')).toMatch(/No change requests/);
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
