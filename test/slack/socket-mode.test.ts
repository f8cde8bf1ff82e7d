/**
 * Socket Mode: the bot opens an outbound WebSocket to Slack (for hosts behind a firewall without a
 * public URL). A local stand-in plays Slack's side: apps.connections.open on the Web API recorder
 * hands out its URL, it greets with `hello`, delivers envelopes and collects acknowledgements.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PAUSE_CAPABILITY, withPause } from '../support/fleet-behaviours.js';
import { ENROLLMENT_TOKEN, eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { APPROVALS_CHANNEL, SlackApiRecorder, SocketModeStandIn } from '../support/slack.js';
import { TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
let slack: SlackApiRecorder | undefined;
let socket: SocketModeStandIn | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  await socket?.stop();
  await slack?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

describe('Slack over Socket Mode', () => {
  it('takes commands, button clicks and mentions over the app’s own WebSocket, with no HTTP endpoint and no signing secret', async () => {
    slack = new SlackApiRecorder();
    socket = new SocketModeStandIn();
    await slack.start();
    slack.socketModeUrl = await socket.start();
    const dir = tempDir();
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ approvers: { principals: ['slack:UAPPROVER'] } }));
    server = await startTestServer(
      { slackBotToken: 'xoxb-socket', slackAppToken: 'xapp-1-socket-mode-test', slackApiUrl: slack.url, slackApprovalsChannel: APPROVALS_CHANNEL, policyFile },
      dir,
    );
    const agent = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      identifying: { 'service.name': 'checkout' },
      customCapabilities: [PAUSE_CAPABILITY],
    });
    agents.push(agent);
    const pause = withPause(agent);
    await agent.start();

    // The app connected with its app-level token; there is no /slack/events route to attack.
    await eventually(() => socket!.connections === 1);
    const open = slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect((await fetch(`${server.controlUrl}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);

    // A slash command is acknowledged over the socket and answered through its response_url.
    const responseUrl = slack.responseUrl();
    const command = {
      command: '/ampgate',
      text: 'pause service.name=checkout because noisy exporter',
      user_id: 'UREQUESTER',
      user_name: 'req',
      team_id: 'T0001',
      channel_id: 'C0GENERAL',
      response_url: responseUrl,
      trigger_id: 't',
      api_app_id: 'A0001',
    };
    const ack = await socket.deliver('slash_commands', command);
    expect(ack.elapsedMs).toBeLessThan(3_000);
    const answer = await eventually(() => slack!.responses(responseUrl)[0]);
    expect(JSON.stringify(answer.args)).toMatch(/Proposed as change/);
    const request = server.changes.list({}).requests[0]!;
    expect(request).toMatchObject({ kind: 'pause', state: 'pending', channel: 'slack', requester: { kind: 'slack', id: 'UREQUESTER' } });
    const card = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === APPROVALS_CHANNEL));
    expect(JSON.stringify(card.args.blocks)).toContain('change_approve');

    // The approver's click arrives as an interactive envelope and executes the change.
    await socket.deliver('interactive', {
      type: 'block_actions',
      user: { id: 'UAPPROVER', username: 'approver', name: 'approver', team_id: 'T0001' },
      api_app_id: 'A0001',
      team: { id: 'T0001', domain: 'test' },
      channel: { id: APPROVALS_CHANNEL, name: 'approvals' },
      container: { type: 'message', message_ts: String(card.args.ts ?? '1.1'), channel_id: APPROVALS_CHANNEL, is_ephemeral: false },
      trigger_id: 'trigger',
      response_url: slack.responseUrl(),
      message: { ts: '1700000000.000100', text: 'card' },
      actions: [
        { action_id: 'change_approve', block_id: `change:${request.id}`, value: `${request.id}|${request.fingerprint}`, type: 'button', action_ts: '1' },
      ],
    });
    await eventually(() => server!.changes.get(request.id)?.state === 'succeeded', 10_000);
    expect(pause.paused).toBe(true);

    // A mention arrives as an events_api envelope and is answered in its thread.
    await socket.deliver('events_api', {
      type: 'event_callback',
      team_id: 'T0001',
      api_app_id: 'A0001',
      event_id: 'EvSocket1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_mention',
        user: 'UREQUESTER',
        text: '<@UBOT> which agents are unhealthy?',
        ts: '1700000099.000100',
        channel: 'C0GENERAL',
        event_ts: '1700000099.000100',
      },
    });
    const reply = await eventually(() => slack!.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0GENERAL'));
    expect(reply.args.thread_ts).toBe('1700000099.000100');
    expect(JSON.stringify(reply.args.blocks)).toContain('unhealthy agents');
  });
});
