/**
 * Audit tampering the hash chain alone missed: a duplicate JSON key inserted into a stored row
 * (JSON.parse keeps the last value, so a verifier that re-serialises the parsed row saw the
 * original while SQL readers saw the forged one), and rows cut off the end of the log (the
 * remaining chain is intact). The stored bytes are hashed now, and the head is checkpointed
 * outside the database with an HMAC.
 */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnchoredVerifyResult } from '../../src/changes/audit-anchor.js';
import { createLogger } from '../../src/shared/log.js';
import { LogCapture } from '../support/creds.js';
import { collectorConfig } from '../support/fleet-fixtures.js';
import { verifyAuditOffline } from '../support/crash.js';
import { testPgUrl } from '../support/pg.js';
import { personToken, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';

// These tamper with the SQLite file itself and verify it offline (`audit verify --db FILE`): not
// run under npm run test:pg, whose servers keep their rows in PostgreSQL.
const sqliteFileOnly = describe.skipIf(testPgUrl() !== undefined);

let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const d of dirs.splice(0)) removeDir(d);
});

/** A server with a few audit rows (token grants and a config upload with a comment), stopped. */
async function history(dir: string, logs?: LogCapture): Promise<string> {
  const s = await startTestServer({ logLevel: 'info' }, dir, logs ? { logger: createLogger('info', logs) } : {});
  personToken(s, 'alice', 'approver');
  const upload = await s.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug'), comment: 'original comment' });
  if (upload.status !== 201) throw new Error(`upload: ${JSON.stringify(upload.body)}`);
  await s.api('POST', '/api/tokens', { name: 'bot', role: 'viewer' });
  await s.stop();
  return join(dir, 'ampgate.db');
}

function raw(dbFile: string, sql: string): void {
  const db = new Database(dbFile);
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  db.exec(sql);
  db.close();
}

async function verifyOnline(dir: string): Promise<AnchoredVerifyResult> {
  server = await startTestServer({}, dir);
  return (await server.api<AnchoredVerifyResult>('GET', '/api/audit/verify')).body;
}

sqliteFileOnly('audit verification hashes the stored bytes', () => {
  it('a duplicate key that SQL readers see but JSON.parse hides breaks the chain', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const dbFile = await history(dir);
    const db = new Database(dbFile);
    const row = db.prepare("SELECT seq, data FROM audit_log WHERE action = 'config.version_added'").get() as { seq: number; data: string };
    db.close();
    raw(dbFile, `UPDATE audit_log SET data = '{"comment":"forged",' || substr(data, 2) WHERE seq = ${row.seq}`);
    const check = new Database(dbFile, { readonly: true });
    const seen = check.prepare('SELECT json_extract(data, ?) AS c, data FROM audit_log WHERE seq = ?').get('$.comment', row.seq) as { c: string; data: string };
    check.close();
    expect(seen.c).toBe('forged'); // what a SQL reader of the audit table now sees
    expect((JSON.parse(seen.data) as { comment: string }).comment).toBe('original comment'); // what JSON.parse sees

    const online = await verifyOnline(dir);
    expect(online).toMatchObject({ ok: false, brokenAt: row.seq, reason: expect.stringMatching(/does not match its hash/) });
  });
});

sqliteFileOnly('the audit head is checkpointed outside the database', () => {
  it('rows cut off the end are detected online and offline; the checkpoint is logged; an altered checkpoint is refused', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const logs = new LogCapture();
    const dbFile = await history(dir, logs);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'audit-anchor.json'), 'utf8')) as { seq: number; hash: string; mac: string };
    expect(checkpoint.seq).toBeGreaterThanOrEqual(5);
    expect(logs.text()).toContain(`"seq":${checkpoint.seq}`);
    expect(logs.text()).toContain('audit checkpoint');

    // Untouched: the chain and the checkpoint agree, also for the offline CLI.
    const fine = await verifyAuditOffline(dbFile);
    expect(fine.code).toBe(0);
    expect(fine.out).toMatch(/checkpoint .*audit-anchor\.json \(seq \d+, .*\) matches/);

    // Cut the last two rows off: the chain still links, but the checkpoint names a later row.
    raw(dbFile, `DELETE FROM audit_log WHERE seq > ${checkpoint.seq - 2}`);
    const offline = await verifyAuditOffline(dbFile);
    expect(offline.code).toBe(1);
    expect(offline.out).toContain(`audit log BROKEN at seq ${checkpoint.seq - 1}: the log ends at seq ${checkpoint.seq - 2}, but the checkpoint`);
    const restartLogs = new LogCapture();
    server = await startTestServer({}, dir, { logger: createLogger('info', restartLogs) });
    const online = (await server.api<AnchoredVerifyResult>('GET', '/api/audit/verify')).body;
    expect(online).toMatchObject({ ok: false, reason: expect.stringMatching(/rows were cut off the end/) });
    expect(restartLogs.text()).toMatch(/no longer contains the checkpoint .*truncated or rewritten/);
    await server.stop();
    server = undefined;
    // The running server kept the evidence: the checkpoint was not moved back.
    expect((JSON.parse(readFileSync(join(dir, 'audit-anchor.json'), 'utf8')) as { seq: number }).seq).toBe(checkpoint.seq);

    // Lowering the checkpoint by hand (without the key) does not hide it.
    writeFileSync(join(dir, 'audit-anchor.json'), JSON.stringify({ ...checkpoint, seq: checkpoint.seq - 2 }));
    const forged = await verifyAuditOffline(dbFile);
    expect(forged.code).toBe(1);
    expect(forged.out).toMatch(/HMAC does not match/);
  }, 60_000);
});
