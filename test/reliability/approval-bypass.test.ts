/**
 * Two approval bypasses found by the outside review, over real HTTP and correctly signed Slack
 * requests:
 * - a Slack admin who is neither in the approvers list nor in the on-call group approved a request
 *   (approval rights come from the list or the groups, nothing else, on every channel);
 * - one admin met "two approvers, no self-approval" alone by minting two approver tokens (a minted
 *   token is its creator's person; the default policy never lets one person reach a threshold).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import type { ApiTokenView } from '../../src/creds/api-tokens.js';
import { eventually, personToken, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { SuiteFixture } from '../support/fleet-fixtures.js';
import { APPROVALS_CHANNEL, buttonClick, runSlash, SIGNING_SECRET, SlackApiRecorder, sendToSlackApp } from '../support/slack.js';
import { RESTARTABLE_CAPS } from '../support/ws-agent.js';

const fx = new SuiteFixture();
afterEach(() => fx.close());

async function slackServer(policy: unknown): Promise<TestServer> {
  fx.slack = new SlackApiRecorder();
  fx.slack.userGroups.set('S0ONCALL', ['UONCALL']);
  const dir = tempDir();
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  const s = await startTestServer(
    {
      slackBotToken: 'xoxb-bypass',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: await fx.slack.start(),
      slackApprovalsChannel: APPROVALS_CHANNEL,
      policyFile,
    },
    dir,
  );
  return s;
}

async function slackProposal(s: TestServer, user: string, target: string): Promise<ChangeRequest> {
  const res = await runSlash(s.controlUrl, fx.slack!, user, `restart ${target} because bypass test`);
  expect(res.ack.status).toBe(200);
  const r = s.changes.list({}).requests.find((q) => q.requester.id === user);
  if (!r) throw new Error(`no proposal: ${res.answerText}`);
  return r;
}

describe('Slack admins are not approvers', () => {
  it.each([
    [
      'an approvers list and an on-call group',
      { approvers: { principals: ['slack:ULISTED'], slackUserGroups: ['S0ONCALL'] }, slack: { admins: ['USLACKADMIN'] } },
    ],
    ['no approver configuration at all', { slack: { admins: ['USLACKADMIN'] } }],
  ])('with %s, a Slack admin outside them cannot approve; a listed or on-call approver can', async (_name, policy) => {
    fx.server = await slackServer(policy);
    const agent = await fx.pool.start(fx.server, { capabilities: RESTARTABLE_CAPS });
    const request = await slackProposal(fx.server, 'UREQUESTER', agent.uidText);
    await sendToSlackApp(fx.server.controlUrl, buttonClick('USLACKADMIN', request, 'approve'));
    const refusal = await eventually(() => fx.slack!.callsTo('chat.postEphemeral').find((c) => c.args.user === 'USLACKADMIN'));
    expect(String(refusal.args.text)).toMatch(/can't approve.*not in the policy's approvers list/);
    expect(fx.server.changes.get(request.id)).toMatchObject({ state: 'pending', approvals: [] });
    const denied = fx.server.changes.audit.list({ limit: 1000 }).filter((e) => e.action === 'policy.denied' && e.actor === 'slack:USLACKADMIN');
    expect(denied).toHaveLength(1);
    // The Slack admin keeps what an admin may do: cancel someone else's request.
    const cancelled = await fx.server.changes.cancel(await fx.server.slack!.directory.principal('USLACKADMIN', 'admin'), request.id, { channel: 'slack' });
    expect(cancelled.state).toBe('cancelled');
    if ('approvers' in policy) {
      // The approval right itself still works through the group.
      const again = await slackProposal(fx.server, 'UOUTSIDER', agent.uidText);
      await sendToSlackApp(fx.server.controlUrl, buttonClick('UONCALL', again, 'approve'));
      await eventually(() => fx.server!.changes.get(again.id)?.approvals.length === 1);
    }
  });
});

describe('one admin cannot reach a multi-approval threshold by minting tokens', () => {
  it('tokens minted by the admin are the admin: they cannot approve its request, nor count twice', async () => {
    fx.server = await startTestServer();
    for (let i = 0; i < 3; i++) await fx.pool.start(fx.server, { capabilities: RESTARTABLE_CAPS });
    const proposed = await fx.server.api<{ request: ChangeRequest }>('POST', '/api/changes', {
      kind: 'restart',
      target: { selector: '' },
      params: {},
      reason: 'fleet-wide restart',
    });
    expect(proposed.status).toBe(201);
    const request = proposed.body.request;
    expect(request).toMatchObject({ risk: 'high', requiredApprovals: 2 });

    const minted: string[] = [];
    for (const name of ['second-me', 'third-me']) {
      const r = await fx.server.api<{ token: ApiTokenView; secret: string }>('POST', '/api/tokens', { name, role: 'approver' });
      expect(r.status).toBe(201);
      expect(r.body.token).toMatchObject({ owner: expect.stringMatching(/^api_token:/), origin: 'api' });
      minted.push(r.body.secret);
    }
    // A token minted by a minted admin token is still the same person.
    const mintedAdmin = (await fx.server.api<{ secret: string }>('POST', '/api/tokens', { name: 'admin-2', role: 'admin' })).body.secret;
    minted.push((await fx.server.api<{ secret: string }>('POST', '/api/tokens', { name: 'fourth-me', role: 'approver' }, mintedAdmin)).body.secret);

    for (const secret of minted) {
      const r = await fx.server.api<{ error: { message: string } }>('POST', `/api/changes/${request.id}/approve`, { fingerprint: request.fingerprint }, secret);
      expect(r.status).toBe(403);
      expect(r.body.error.message).toMatch(/self-approval/);
    }
    expect(fx.server.changes.get(request.id)).toMatchObject({ state: 'pending', approvals: [] });

    // People provisioned by the operator on the host are separate people; each counts once.
    const bob = personToken(fx.server, 'bob', 'admin');
    const carol = personToken(fx.server, 'carol', 'approver');
    expect((await fx.server.api<ChangeRequest>('POST', `/api/changes/${request.id}/approve`, {}, bob)).body.state).toBe('pending');
    // bob minting a token for himself does not give him a second vote.
    const bobsMinted = (await fx.server.api<{ secret: string }>('POST', '/api/tokens', { name: 'bob-2', role: 'approver' }, bob)).body.secret;
    const again = await fx.server.api<ChangeRequest>('POST', `/api/changes/${request.id}/approve`, {}, bobsMinted);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'pending' });
    expect(again.body.approvals.filter((a) => a.decision === 'approve')).toHaveLength(1);
    const after = await fx.server.api<ChangeRequest>('POST', `/api/changes/${request.id}/approve`, {}, carol);
    expect(after.body.approvals.filter((a) => a.decision === 'approve')).toHaveLength(2);
    expect(['executing', 'succeeded', 'partially_failed', 'failed']).toContain(after.body.state);
  });
});
