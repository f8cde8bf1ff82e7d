/**
 * Slack is scoped and rate-limited: signed requests from another workspace (or Grid org) get
 * nothing, neither fleet data nor a proposal nor an approval; and one person cannot flood the
 * approvals channel with proposals (a per-person limit shared by every channel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SettingsInput } from '../../src/config.js';
import { removeDir, startTestServer, type TestServer } from '../support/server.js';
import { SuiteFixture } from '../support/fleet-fixtures.js';
import { APPROVALS_CHANNEL, buttonClick, runSlash, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp, slashUnanswered } from '../support/slack.js';
import { RESTARTABLE_CAPS } from '../support/ws-agent.js';

const fx = new SuiteFixture();
afterEach(() => fx.close());

async function start(overrides: Partial<SettingsInput> = {}, slackUrl?: string): Promise<TestServer> {
  fx.slack = new SlackApiRecorder();
  const url = await fx.slack.start();
  fx.server = await startTestServer({
    slackBotToken: 'xoxb-scope',
    slackSigningSecret: SIGNING_SECRET,
    slackApiUrl: slackUrl ?? url,
    slackApprovalsChannel: APPROVALS_CHANNEL,
    ...overrides,
  });
  return fx.server;
}

/** Commands are acknowledged at once and answered through their response_url: a refused one gets no answer there. */
const refused = async (s: TestServer, user: string, text: string, form: Record<string, string> = {}) => {
  const r = await slashUnanswered(s.controlUrl, fx.slack!, user, text, { form });
  expect(r.ack.status).toBe(200);
  expect(r.answers).toEqual([]);
  return r.ack.text;
};

describe('Slack requests from another workspace', () => {
  it('learned from auth.test: another team_id or an enterprise id gets no fleet data, no proposal and no approval', async () => {
    const s = await start();
    const agent = await fx.pool.start(s, { capabilities: RESTARTABLE_CAPS });

    expect(await refused(s, 'UFOREIGN', 'agents', { team_id: 'T0OTHER' })).not.toContain(agent.uidText);
    expect(await refused(s, 'UFOREIGN', `restart ${agent.uidText} because foreign`, { team_id: 'T0OTHER' })).not.toMatch(/Proposed/);
    expect(await refused(s, 'UGRID', 'agents', { enterprise_id: 'E0OTHER' })).not.toContain(agent.uidText);
    expect(s.changes.list({}).total).toBe(0);

    // The served workspace works as before.
    const own = await runSlash(s.controlUrl, fx.slack!, 'UREQUESTER', `restart ${agent.uidText} because ours`);
    expect(own.answerText).toMatch(/Proposed/);
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
    expect(await refused(s, 'UREQUESTER', 'agents')).not.toContain(agent.uidText); // T0001 is not it
    expect((await runSlash(s.controlUrl, fx.slack!, 'UREQUESTER', 'agents', { form: { team_id: 'T0CONFIGURED' } })).answerText).toContain(agent.uidText);
    await s.stop();
    removeDir(s.dir);

    const closed = await start({}, 'http://127.0.0.1:9/api/'); // nothing listens there: auth.test fails
    fx.server = closed;
    const agent2 = await fx.pool.start(closed);
    expect(await refused(closed, 'UREQUESTER', 'agents')).not.toContain(agent2.uidText);
  });
});

describe('proposals per person', () => {
  it('a flood of slash commands from one user creates at most the burst, the rest are refused with a clear answer', async () => {
    const s = await start({ proposalRate: 6, proposalBurst: 5 });
    const agents = [];
    for (let i = 0; i < 8; i++) agents.push(await fx.pool.start(s, { capabilities: RESTARTABLE_CAPS }));
    const answers: string[] = [];
    for (const a of agents) answers.push((await runSlash(s.controlUrl, fx.slack!, 'USPAMMER', `restart ${a.uidText} because flood`)).answerText);
    expect(answers.filter((t) => /Proposed as change/.test(t))).toHaveLength(5);
    expect(answers.filter((t) => /too many proposals/.test(t))).toHaveLength(3);
    expect(s.changes.list({}).total).toBe(5);
    // Another person is not affected, and the same limit holds over REST (429 + Retry-After).
    expect((await runSlash(s.controlUrl, fx.slack!, 'UOTHER', `restart ${agents[7]!.uidText} because mine`)).answerText).toMatch(/Proposed as change/);
    for (let i = 0; i < 5; i++) await s.api('POST', '/api/changes', { kind: 'restart', target: { agents: [agents[i]!.uidText] }, params: {}, reason: 'rest' });
    const limited = await s.api<{ error: { code: string } }>('POST', '/api/changes', {
      kind: 'restart',
      target: { agents: [agents[5]!.uidText] },
      params: {},
      reason: 'rest',
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refusals are audited, aggregated (one row per kind and window, not one per attempt).
    expect(s.changes.audit.list({ limit: 1000 }).filter((e) => e.action === 'policy.denied' && e.data.reason === 'proposal rate limit').length).toBe(2);
  });
});
