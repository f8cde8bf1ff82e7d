import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { freezeAt, localWeekMinute, parseWeekPoint } from './freeze.js';
import { loadPolicy, parsePolicy, Policy, PolicyError } from './policy.js';
import type { Principal } from './principal.js';

const p = (kind: Principal['kind'], id: string, role: Principal['role'] = 'approver'): Principal => ({ kind, id, name: id, role, llm: false });

describe('policy file', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach(removeDir));

  it('defaults: 1/1/2 approvals, 30 min expiry bounded by 24 h, no lists, no freezes', () => {
    const d = Policy.defaults();
    expect([d.requiredApprovals('low'), d.requiredApprovals('medium'), d.requiredApprovals('high')]).toEqual([1, 1, 2]);
    expect(d.expiryMinutes(undefined)).toBe(30);
    expect(d.expiryMinutes(1440)).toBe(1440);
    expect(() => d.expiryMinutes(1441)).toThrow(/at most 1440/);
    expect(d.approverListDenial(p('api_token', 'x'))).toBeUndefined();
    expect(d.freezeAt(Date.now(), 'config_push')).toBeUndefined();
    expect(loadPolicy(undefined).doc).toEqual(d.doc);
  });

  it('loads a file and names the file and every problem with its path', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ requiredApprovals: { high: 3 } }));
    expect(loadPolicy(file).requiredApprovals('high')).toBe(3);
    expect(loadPolicy(file).requiredApprovals('low')).toBe(1);
    writeFileSync(file, '{ nope');
    expect(() => loadPolicy(file)).toThrow(/policy file .*policy.json is not valid JSON/);
    expect(() => loadPolicy(join(dir, 'missing.json'))).toThrow(/cannot read policy file .*AMPGATE_POLICY_FILE/);
    writeFileSync(
      file,
      JSON.stringify({
        requiredApprovals: { high: 0 },
        aprovers: {},
        freezes: [
          { reason: 'x', weekly: { start: 'friday 25:00', end: 'mon 08:00' } },
          { start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z', reason: 'y' },
        ],
        identities: { a: ['slack:U1'], b: ['slack:U1', 'bogus'] },
      }),
    );
    let err: unknown;
    try {
      loadPolicy(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg).toMatch(/requiredApprovals\.high: /);
    expect(msg).toMatch(/aprovers/);
    expect(msg).toMatch(/freezes\.0\.weekly\.start: expected "<day> HH:MM"/);
    expect(msg).toMatch(/freezes\.1: "end" must be after "start"/);
    expect(msg).toMatch(/identities\.b\.1: expected a principal key/);
  });

  it('refuses a principal listed under two people and approver entries that are neither keys nor people', () => {
    expect(() => parsePolicy({ identities: { a: ['slack:U1'], b: ['slack:U1'] } })).toThrow(/slack:U1 is already listed under "a"/);
    expect(() => parsePolicy({ approvers: { principals: ['nobody'] } })).toThrow(/"nobody" is neither a principal key/);
    expect(() => parsePolicy({ freezes: [{ reason: 'x', weekly: { start: 'mon 08:00', end: 'fri 18:00' }, timezone: 'Mars/Olympus' }] })).toThrow(
      /unknown IANA time zone/,
    );
  });

  it('identities: several principals are one person', () => {
    const pol = parsePolicy({ identities: { alice: ['api_token:t1', 'slack:UA'] } });
    expect(pol.samePerson(p('api_token', 't1'), p('slack', 'UA'))).toBe(true);
    expect(pol.samePerson(p('api_token', 't1'), p('slack', 'UB'))).toBe(false);
    expect(pol.samePerson(p('slack', 'UB'), p('slack', 'UB'))).toBe(true);
  });

  it('approver lists: keys or people; Slack principals are vouched for only by a verified membership of a configured group', () => {
    const listed = parsePolicy({ approvers: { principals: ['api_token:t1', 'bob'] }, identities: { bob: ['slack:UB'] } });
    expect(listed.approverListDenial(p('api_token', 't1'))).toBeUndefined();
    expect(listed.approverListDenial(p('slack', 'UB'))).toBeUndefined();
    expect(listed.approverListDenial(p('api_token', 't2'))).toMatch(/not in the policy's approvers list/);
    expect(listed.approverListDenial(p('slack', 'UC'))).toMatch(/not in/);
    const groups = parsePolicy({ approvers: { principals: ['api_token:t1'], slackUserGroups: ['S0ONCALL'] } });
    expect(groups.approverListDenial({ ...p('slack', 'UC'), approverGroups: ['S0ONCALL'] })).toBeUndefined();
    // A Slack user (an admin, say) the edge did not find in the group is not an approver.
    expect(groups.approverListDenial(p('slack', 'UC', 'admin'))).toMatch(/not in the policy's approvers list or its on-call user groups/);
    expect(groups.approverListDenial({ ...p('slack', 'UC'), approverGroups: ['S0OTHER'] })).toMatch(/not in/);
    expect(groups.approverListDenial(p('api_token', 't2'))).toMatch(/not in/);
    expect(groups.slackUserGroups).toEqual(['S0ONCALL']);
    // Without any list a Slack user never approves; an API token's role decides.
    expect(Policy.defaults().approverListDenial(p('slack', 'UADMIN', 'admin'))).toMatch(/not in the policy's approvers list/);
    expect(Policy.defaults().approverListDenial(p('api_token', 't9'))).toBeUndefined();
  });

  it("token ownership: a minted token is its creator's person unless the identities bind it to someone else", () => {
    const pol = parsePolicy({ identities: { alice: ['api_token:root-a'], bob: ['api_token:minted-for-bob'] }, approvers: { principals: ['alice'] } });
    const rootA = p('api_token', 'root-a');
    const minted = { ...p('api_token', 'm1'), owners: ['api_token:root-a'] };
    const mintedByMinted = { ...p('api_token', 'm2'), owners: ['api_token:m1', 'api_token:root-a'] };
    const forBob = { ...p('api_token', 'minted-for-bob'), owners: ['api_token:root-a'] };
    expect(pol.samePerson(minted, rootA)).toBe(true);
    expect(pol.samePerson(mintedByMinted, rootA)).toBe(true);
    expect(pol.person(forBob)).toBe('person:bob');
    expect(pol.samePerson(forBob, rootA)).toBe(false);
    // Approver lists apply to the person: alice's minted token is alice.
    expect(pol.approverListDenial(minted)).toBeUndefined();
    expect(pol.approverListDenial(forBob)).toMatch(/not in/);
    // Without identities the root of the chain is the person.
    const bare = Policy.defaults();
    expect(bare.person(mintedByMinted)).toBe('api_token:root-a');
    expect(bare.samePerson(p('api_token', 'x'), p('api_token', 'y'))).toBe(false);
  });
});

describe('freeze windows', () => {
  it('parses weekly points', () => {
    expect(parseWeekPoint('mon 00:00')).toBe(0);
    expect(parseWeekPoint('Fri 16:30')).toBe(4 * 1440 + 16 * 60 + 30);
    expect(parseWeekPoint('sunday 23:59')).toBe(6 * 1440 + 23 * 60 + 59);
    expect(parseWeekPoint('fri 24:00')).toBeUndefined();
    expect(parseWeekPoint('16:00')).toBeUndefined();
  });

  it('weekly windows wrap over the weekend and follow the time zone, across a DST change', () => {
    const pol = parsePolicy({ freezes: [{ reason: 'weekend', weekly: { start: 'fri 16:00', end: 'mon 08:00' }, timezone: 'Europe/Berlin' }] });
    // Friday 2030-03-29 15:59 CET (UTC+1) is before; 16:00 is inside.
    expect(pol.freezeAt(Date.parse('2030-03-29T14:59:00Z'), 'restart')).toBeUndefined();
    const f = pol.freezeAt(Date.parse('2030-03-29T15:00:00Z'), 'restart');
    // DST starts on Sunday 2030-03-31, so Monday 08:00 Berlin is 06:00 UTC (CEST, UTC+2).
    expect(f).toEqual({ reason: 'weekend', until: Date.parse('2030-04-01T06:00:00Z') });
    expect(localWeekMinute(Date.parse('2030-04-01T06:00:00Z'), 'Europe/Berlin')).toBe(8 * 60);
    expect(pol.freezeAt(Date.parse('2030-04-01T06:00:00Z'), 'restart')).toBeUndefined();
    expect(pol.freezeAt(Date.parse('2030-03-31T12:00:00Z'), 'restart')?.reason).toBe('weekend');
  });

  it('chains overlapping windows so "until" is when no freeze applies', () => {
    const w = (start: string, end: string, reason: string) => ({ reason, start: Date.parse(start), end: Date.parse(end), timezone: 'UTC' });
    const windows = [
      w('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', 'a'),
      w('2030-01-01T12:00:00Z', '2030-01-03T00:00:00Z', 'b'),
      w('2030-01-03T00:00:00Z', '2030-01-04T00:00:00Z', 'c'),
    ];
    expect(freezeAt(windows, Date.parse('2030-01-01T13:00:00Z'), 'restart')).toEqual({ reason: 'a; b', until: Date.parse('2030-01-04T00:00:00Z') });
    expect(freezeAt(windows, Date.parse('2030-01-04T00:00:00Z'), 'restart')).toBeUndefined();
  });
});

describe('the documented example policy', () => {
  it('docs/policy.example.json is valid', () => {
    const pol = loadPolicy(new URL('../../docs/policy.example.json', import.meta.url).pathname);
    expect(pol.requiredApprovals('high')).toBe(2);
    expect(pol.samePerson(p('slack', 'U012ALICE'), p('api_token', '0c9f5d8e-7b6a-4e3d-8c2b-1a0f9e8d7c6b'))).toBe(true);
    expect(pol.freezeAt(Date.parse('2030-11-30T12:00:00Z'), 'restart')?.reason).toBe('Black Friday to Cyber Monday');
  });
});
