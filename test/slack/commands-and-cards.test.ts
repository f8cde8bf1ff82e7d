/**
 * The Slack bot against a slow Slack, and what its cards and threads say: a slash command is
 * acknowledged within Slack's 3 s however slow an on-call group lookup is and answered through its
 * response_url, exactly once; auth.test is asked once, not per request; cards name MCP proposals
 * and config-type mismatches; thread replies count a rollout's agents per stage.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { approve, driverTokens, propose } from '../support/change-driver.js';
import { AgentCapabilities } from '../../src/gen/opamp/v1/opamp_pb.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, buttonClick, runSlash, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashCommand } from '../support/slack.js';
import { DEFAULT_CAPS } from '../support/ws-agent.js';

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
const pool = new AgentPool();
const RESTARTABLE = DEFAULT_CAPS | BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand);

afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  await slack?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
  slack = undefined;
});

async function start(policy: Record<string, unknown> = {}): Promise<TestServer> {
  slack ??= new SlackApiRecorder();
  if (!slack.url) await slack.start();
  const dir = tempDir();
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  server = await startTestServer(
    { slackBotToken: 'xoxb-test', slackSigningSecret: SIGNING_SECRET, slackApiUrl: slack.url, slackApprovalsChannel: APPROVALS_CHANNEL, policyFile },
    dir,
  );
  return server;
}

const cardOf = (id: string) =>
  eventually(() =>
    slack!.callsTo('chat.postMessage').find((c) => c.args.channel === APPROVALS_CHANNEL && JSON.stringify(c.args.blocks).includes(`"change:${id}"`)),
  );

describe('slow Slack', () => {
  it('acknowledges a command at once while the on-call lookup takes 4 s, answers through response_url, and proposes exactly once', async () => {
    slack = new SlackApiRecorder();
    await slack.start();
    slack.userGroups.set('S0ONCALL', ['UONCALL']);
    slack.delays.set('usergroups.users.list', 4_000);
    const s = await start({ approvers: { slackUserGroups: ['S0ONCALL'] } });
    const agent = await pool.start(s, { capabilities: RESTARTABLE });

    const responseUrl = slack.responseUrl();
    const sent = Date.now();
    const ack = await sendToSlackApp(s.controlUrl, slashCommand('UREQUESTER', `restart ${agent.uidText} because exporter stuck`, responseUrl));
    const ackMs = Date.now() - sent;
    expect(ack.status).toBe(200);
    expect(ackMs).toBeLessThan(3_000); // Slack's limit; the lookup alone takes 4 s
    expect(slack.responses(responseUrl)).toEqual([]); // acknowledged before the answer existed
    expect(s.changes.list({}).total).toBe(0);

    const answer = await eventually(() => slack!.responses(responseUrl)[0], 15_000);
    const lookup = slack.callsTo('usergroups.users.list')[0]!;
    expect(answer.at - lookup.at).toBeGreaterThanOrEqual(3_900); // the answer waited for the slow lookup
    expect(answer.args).toMatchObject({ response_type: 'in_channel' });
    expect(JSON.stringify(answer.args)).toMatch(/Proposed as change/);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.responses(responseUrl)).toHaveLength(1);
    expect(s.changes.list({}).total).toBe(1);
    expect(s.changes.list({}).requests[0]).toMatchObject({ kind: 'restart', requester: { kind: 'slack', id: 'UREQUESTER' }, reason: 'exporter stuck' });
  }, 30_000);

  it('asks auth.test once, not for every inbound request', async () => {
    const s = await start({ approvers: { principals: ['slack:UAPPROVER'] } });
    const agent = await pool.start(s, { capabilities: RESTARTABLE });
    for (const text of ['help', 'agents', 'configs']) await runSlash(s.controlUrl, slack!, 'UREQUESTER', text);
    await runSlash(s.controlUrl, slack!, 'UREQUESTER', `restart ${agent.uidText} because auth cache test`);
    const request = s.changes.list({}).requests[0]!;
    await sendToSlackApp(s.controlUrl, buttonClick('UOUTSIDER', request));
    await eventually(() => slack!.callsTo('chat.postEphemeral').length === 1);
    // A misspelt selector is answered with its close match, as on every other channel.
    const typo = await runSlash(s.controlUrl, slack!, 'UREQUESTER', 'restart servce.name=checkout because typo');
    expect(String(typo.answer.text)).toContain('no agent reports the attribute "servce.name" (did you mean "service.name"?)');
    await sendToSlackApp(s.controlUrl, {
      json: {
        type: 'event_callback',
        team_id: 'T0001',
        api_app_id: 'A0001',
        event_id: 'EvAuth1',
        event_time: 1,
        event: { type: 'app_mention', user: 'UREQUESTER', text: '<@UBOT> help', ts: '1.2', channel: 'C0GENERAL', event_ts: '1.2' },
      },
    });
    await eventually(() => slack!.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0GENERAL'));
    expect(slack!.callsTo('auth.test')).toHaveLength(1);
  });
});

describe('cards and threads', () => {
  it('names a proposal made through MCP as proposed by an LLM agent via MCP', async () => {
    const s = await start();
    const agent = await pool.start(s, { capabilities: RESTARTABLE });
    const { proposer } = await driverTokens(s);
    const client = new Client({ name: 'llm', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${s.controlUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${proposer}` } } }),
    );
    try {
      const r = (await client.callTool({
        name: 'propose_restart',
        arguments: { target: { agents: [agent.uidText] }, reason: 'exporter stuck since 09:12' },
      })) as unknown as { structuredContent: { id: string } };
      const card = await cardOf(r.structuredContent.id);
      expect(JSON.stringify(card.args.blocks)).toContain('proposed by an LLM agent via MCP');
      expect(JSON.stringify(card.args.blocks)).not.toContain('interpreted from natural language');
    } finally {
      await client.close();
    }
  });

  it('warns on the card when a Fluent Bit config is pushed to Collectors', async () => {
    const s = await start();
    const collector = await pool.start(s, { effectiveConfig: { 'collector.yaml': collectorConfig('otlp') } });
    await pushVersion(
      s,
      'logs',
      '[SERVICE]\n    Flush 1\n[INPUT]\n    Name tail\n    Path /var/log/app.log\n[OUTPUT]\n    Name stdout\n    Match *\n',
      'text/plain',
    );
    const request = await propose(s, { kind: 'config_push', target: { agents: [collector.uidText] }, params: { config: 'logs' } });
    expect(
      request.preview.steps.some((st) => st.startsWith('warning: logs v1 is a Fluent Bit config, but 1 of 1 target agents run an OpenTelemetry Collector')),
    ).toBe(true);
    const card = JSON.stringify((await cardOf(request.id)).args.blocks);
    expect(card).toContain(':warning: *Warning:* logs v1 is a Fluent Bit config, but 1 of 1 target agents run an OpenTelemetry Collector');
  });

  it('counts a staged rollout’s agents per stage in the card’s thread', async () => {
    const s = await start();
    for (let i = 0; i < 4; i++) await pool.start(s, { nonIdentifying: { 'host.name': `h${i}` } });
    await pushVersion(s, 'gw', collectorConfig('debug'));
    const request = await propose(s, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', canary: 1, bakeSeconds: 0 },
    });
    await cardOf(request.id);
    const done = await (await approve(s, request)).finished(20_000);
    expect(done.state).toBe('succeeded');
    await s.slack!.stop(); // flush queued thread replies
    const thread = slack!
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts !== undefined && c.args.channel === APPROVALS_CHANNEL)
      .map((c) => String(c.args.text));
    // Each reply counts the agents as they stood when it was written: the second stage starts only
    // after the canary succeeded; at the end every stage is done.
    const second = thread.find((t) => t.startsWith('stage 2/2: gw v1 assigned to 3 agents'))!;
    expect(second).toContain('• Stage 1/2 (canary): 1 agent · succeeded 1');
    expect(second).toMatch(/• Stage 2\/2: 3 agents · .*◀ current/);
    expect(thread.find((t) => t.startsWith('stage 1/2 (canary): gw v1 assigned to 1 agent'))).toMatch(/• Stage 2\/2: 3 agents · pending 3/);
    const last = thread.at(-1)!;
    expect(last).toMatch(/now \*succeeded\*/);
    expect(last).toContain('• Stage 1/2 (canary): 1 agent · succeeded 1');
    expect(last).toContain('• Stage 2/2: 3 agents · succeeded 3');
  });
});
