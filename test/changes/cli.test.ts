/**
 * `ampgate changes ...` and `ampgate audit ...` as real child processes of the built binary
 * against an in-process server (REST over loopback), plus offline verification of the SQLite file
 * with --db.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { create } from '@bufbuild/protobuf';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { addAgent, uid } from '../support/changes.js';
import { runCli } from '../support/process.js';
import { testPgUrl } from '../support/pg.js';
import { ADMIN_TOKEN, removeDir, startTestServer, testDb, type TestServer } from '../support/server.js';
import { TestExecutor } from '../support/test-executor.js';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

describe('ampgate changes / ampgate audit', () => {
  it('propose, list, approve --wait, show; audit verify and export through the API, then offline with --db', async () => {
    const s = (server = await startTestServer({}, undefined, { registerFleetExecutors: false }));
    for (const n of [1, 2, 3]) addAgent(s.registry, n);
    s.changes.registerExecutor(new TestExecutor(testDb(s), s.registry));
    const as = (token: string) => ({ AMPGATE_URL: s.controlUrl, AMPGATE_TOKEN: token });
    const alice = as(s.apiTokens.create('alice', 'proposer').secret);
    const bob = as(s.apiTokens.create('bob', 'approver').secret);
    const admin = as(ADMIN_TOKEN);

    const proposed = await cli(
      ['changes', 'propose', 'restart', '--agents', `${uid(1)},${uid(2)}`, '--param', 'note=after the 09:12 incident', '--reason', 'exporters stuck'],
      alice,
    );
    expect(proposed.err).toBe('');
    expect(proposed.out).toMatch(/^proposed change 1\n/);
    expect(proposed.out).toMatch(/requester: +alice \(api_token:.*\) via cli/);
    const fingerprint = s.changes.get('1')!.fingerprint;
    expect(proposed.out).toContain(`ampgate changes approve 1 --fingerprint ${fingerprint.slice(0, 12)}`);
    expect(s.changes.get('1')!.params).toEqual({ note: 'after the 09:12 incident' });

    const self = await cli(['changes', 'approve', '1'], alice);
    expect(self.code).toBe(2);
    expect(self.err).toMatch(/^ampgate: self-approval is not allowed: you proposed request 1/);

    const list = await cli(['changes', '--open'], bob);
    expect(list.out).toMatch(/^ID\s+STATE\s+KIND/);
    expect(list.out).toMatch(/\n1\s+pending\s+restart\s+medium\s+0\/1\s+2\s+alice/);

    const approved = await cli(['changes', 'approve', '1', '--fingerprint', fingerprint.slice(0, 12), '--comment', 'ok', '--wait'], bob);
    expect(approved.err).toBe('');
    expect(approved.out.trim()).toBe('change 1 approved; now succeeded (1/1 approvals): 2 of 2 agents done');

    const show = await cli(['changes', 'show', '1'], bob);
    expect(show.out).toMatch(/^change 1: restart, succeeded/);
    expect(show.out).toContain('approved by bob');
    expect(show.out).toContain('outcomes: succeeded 2');
    const json = JSON.parse((await cli(['--json', 'changes', 'show', '1'], bob)).out) as ChangeRequest;
    expect(json.outcomes).toHaveLength(2);

    expect((await cli(['audit', 'verify'], admin)).out).toMatch(/^audit log OK: \d+ rows verified; head seq \d+ hash [0-9a-f]{64}/);
    const exportFile = join(s.dir, 'audit.jsonl');
    expect((await cli(['audit', 'export', '--out', exportFile], admin)).code).toBe(0);
    const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toContain('change.result');
    expect((await cli(['audit', 'verify', '--file', exportFile])).out).toMatch(/^audit log OK/);

    // Offline: the server is gone; the file alone proves (or disproves) the history. (A SQLite
    // file: under npm run test:pg the rows are in PostgreSQL.)
    await s.stop();
    if (testPgUrl()) return;
    const dbFile = join(s.dir, 'ampgate.db');
    expect((await cli(['audit', 'verify', '--db', dbFile])).out).toMatch(/^audit log OK: \d+ rows verified/);
    expect((await cli(['audit', 'export', '--db', dbFile])).out.trim().split('\n')).toEqual(lines);
    const raw = new Database(dbFile);
    raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET data = json_set(data, '$.comment', 'forged') WHERE action = 'change.approved'");
    const seq = (raw.prepare("SELECT seq FROM audit_log WHERE action = 'change.approved'").get() as { seq: number }).seq;
    raw.close();
    const broken = await cli(['audit', 'verify', '--db', dbFile]);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`audit log BROKEN at seq ${seq}: the row content does not match its hash`);
    const missing = await cli(['audit', 'verify', '--db', join(s.dir, 'nope.db')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such database file/);
  }, 120_000); // 14 real CLI processes on a loaded 2-core machine

  it('narrows a selector with --exclude and --unhealthy, and rejects bad filter flags before sending anything', async () => {
    const s = (server = await startTestServer({}, undefined, { registerFleetExecutors: false }));
    addAgent(s.registry, 1, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(s.registry, 2, { 'service.name': 'payments', 'deployment.environment': 'prod' });
    addAgent(s.registry, 3, { 'service.name': 'checkout', 'deployment.environment': 'staging' });
    for (const n of [1, 2]) s.registry.report(uid(n), create(AgentToServerSchema, { health: { healthy: false } }), 'ws');
    s.changes.registerExecutor(new TestExecutor(testDb(s), s.registry));
    const alice = { AMPGATE_URL: s.controlUrl, AMPGATE_TOKEN: s.apiTokens.create('alice', 'proposer').secret };

    const proposed = await cli(
      [
        'changes',
        'propose',
        'restart',
        '-s',
        'deployment.environment=prod',
        '--exclude',
        'service.name=payments',
        '--unhealthy',
        '--reason',
        'exporters stuck',
      ],
      alice,
    );
    expect(proposed.err).toBe('');
    expect(s.changes.get('1')!.target).toEqual({ selector: 'deployment.environment=prod,service.name!=payments,healthy=false' });
    expect(s.changes.get('1')!.targets).toEqual([uid(1)]);
    expect(proposed.out).toContain(
      'selector deployment.environment=prod,service.name!=payments,healthy=false (unhealthy agents with environment prod except service payments) -> ' +
        '1 eligible',
    );

    const listed = await cli(['agents', '--unhealthy', '-x', 'service.name=payments'], alice);
    expect(listed.out).toContain(uid(1));
    expect(listed.out).not.toContain(uid(2));
    const conflict = await cli(['agents', '--healthy', '--unhealthy'], alice);
    expect(conflict.code).not.toBe(0);
    expect(conflict.err).toMatch(/cannot be used with/);
    const bad = await cli(['changes', 'propose', 'restart', '--exclude', 'payments', '--reason', 'x'], alice);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/bad selector clause|bad exclusion/);
    expect(s.changes.list({}).total).toBe(1);
  }, 60_000);
});
