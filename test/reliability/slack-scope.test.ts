/**
 * Slack is scoped and rate-limited: signed requests from another workspace (or Grid org) get
 * nothing, neither fleet data nor a proposal nor an approval; and one person cannot flood the
 * approvals channel with proposals (a per-person limit shared by every channel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SettingsInput } from '../../src/config.js';
import { removeDir, startTestServer, type TestServer } from '../support/server.js';
import { SuiteFixture } from '../support/fleet-fixtures.js';
import { APPROVALS_CHANNEL, buttonClick, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashCommand } from '../support/slack.js';
import { RESTARTABLE_CAPS } from '../support/ws-agent.js';

const fx = new SuiteFixture();
afterEach(() => fx.close());

async function start(overrides: Partial<SettingsInput> = {}, slackUrl?: string): Promise<TestServer> {
  fx.slack = new SlackApiRecorder();
  const url = await fx.slack.start();
  fx.server = await startTestServer({ slackBotToken: 'xoxb-scope', slackSigningSecret: SIGNING_SECRET, slackApiUrl: slackUrl ?? url, slackApprovalsChannel: APPROVALS_CHANNEL, ...overrides });
  return fx.server;
}

const fromTeam = (team: string, payload: { form: Record<string, string> }) => ({ form: { ...payload.form, team_id: team } });

describe('Slack requests from another workspace', () => {
  it('learned from auth.test: another team_id or an enterprise id gets no fleet data, no proposal and no approval', async () => {
    const s = await start();
    const agent = await fx.pool.start(s, { capabilities: RESTARTABLE_CAPS });

    const read = await sendToSlackApp(s.controlUrl, fromTeam('T0OTHER', slashCommand('UFOREIGN', 'agents')));
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(agent.uidText);
    const propose = await sendToSlackApp(s.controlUrl, fromTeam('T0OTHER', slashCommand('UFOREIGN', `restart ${agent.uidText} because foreign`)));
    expect(propose.text).not.toMatch(/Proposed/);
    const grid = await sendToSlackApp(s.controlUrl, { form: { ...slashCommand('UGRID', 'agents').form, enterprise_id: 'E0OTHER' } });
    expect(grid.text).not.toContain(agent.uidText);
    expect(s.changes.list({}).total).toBe(0);

    // The served workspace works as before.
    const own = await sendToSlackApp(s.controlUrl, slashCommand('UREQUESTER', `restart ${agent.uidText} because ours`));
    expect(own.text).toMatch(/Proposed/);
    const request = s.changes.list({}).requests[0]!;
    // A button click by a user of another team (e.g. through a shared channel) is refused too.
    const click = JSON.parse(buttonClick('UFOREIGN', request).form.payload!) as { user: { team_id: string } };
    click.user.team_id = 'T0OTHER';
    await sendToSlackApp(s.controlUrl, { form: { payload: JSON.stringify(click) } });
    expect(s.changes.get(request.id)!.approvals).toEqual([]);
    expect(s.changes.audit.list({ limit: 1000 }).some((e) => e.actor === 'slack:UFOREIGN')).toBe(false);
    expect(fx.slack!.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
  });

  it('AMPGATE_SLACK_TEAM_ID wins over auth.test; when nothing is configured and auth.test fails, every request is refused', async () => {
    const s = await start({ slackTeamId: 'T0CONFIGURED' });
    const agent = await fx.pool.start(s);
    expect((await sendToSlackApp(s.controlUrl, slashCommand('UREQUESTER', 'agents'))).text).not.toContain(agent.uidText); // T0001 is not it
    expect((await sendToSlackApp(s.controlUrl, fromTeam('T0CONFIGURED', slashCommand('UREQUESTER', 'agents')))).text).toContain(agent.uidText);
    await s.stop();
    removeDir(s.dir);

    const closed = await start({}, 'http://127.0.0.1:9/api/'); // nothing listens there: auth.test fails
    fx.server = closed;
    const agent2 = await fx.pool.start(closed);
    const res = await sendToSlackApp(closed.controlUrl, slashCommand('UREQUESTER', 'agents'));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(agent2.uidText);
  });
});

describe('proposals per person', () => {
  it('a flood of slash commands from one user creates at most the burst, the rest are refused with a clear answer', async () => {
    const s = await start({ proposalRate: 6, proposalBurst: 5 });
    const agents = [];
    for (let i = 0; i < 8; i++) agents.push(await fx.pool.start(s, { capabilities: RESTARTABLE_CAPS }));
    const answers: string[] = [];
    for (const a of agents) answers.push((await sendToSlackApp(s.controlUrl, slashCommand('USPAMMER', `restart ${a.uidText} because flood`))).text);
    expect(answers.filter((t) => /Proposed as change/.test(t))).toHaveLength(5);
    expect(answers.filter((t) => /too many proposals/.test(t))).toHaveLength(3);
    expect(s.changes.list({}).total).toBe(5);
    // Another person is not affected, and the same limit holds over REST (429 + Retry-After).
    expect((await sendToSlackApp(s.controlUrl, slashCommand('UOTHER', `restart ${agents[7]!.uidText} because mine`))).text).toMatch(/Proposed as change/);
    for (let i = 0; i < 5; i++) await s.api('POST', '/api/changes', { kind: 'restart', target: { agents: [agents[i]!.uidText] }, params: {}, reason: 'rest' });
    const limited = await s.api<{ error: { code: string } }>('POST', '/api/changes', { kind: 'restart', target: { agents: [agents[5]!.uidText] }, params: {}, reason: 'rest' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refusals are audited, aggregated (one row per kind and window, not one per attempt).
    expect(s.changes.audit.list({ limit: 1000 }).filter((e) => e.action === 'policy.denied' && e.data.reason === 'proposal rate limit').length).toBe(2);
  });
});
