import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { AuditRepo } from '../store/audit-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { AuditLog, auditHash, GENESIS_HASH, verifyEntries, type AuditEntry } from './audit.js';

let dir: string;
let db: Db;
afterEach(() => {
  db.close();
  removeDir(dir);
});

function setup(rows = 5): AuditLog {
  dir = tempDir();
  db = openDatabase(join(dir, 'a.db'));
  let t = Date.parse('2030-01-01T00:00:00Z');
  const log = new AuditLog(new AuditRepo(db), () => (t += 1000));
  for (let i = 1; i <= rows; i++) log.append(`api_token:u${i}`, 'change.approved', String(i), { n: i, nested: { b: 2, a: [1, 'x'] } });
  return log;
}

/** A tamperer with raw SQL access first removes the guard rails. */
function dropGuards(): void {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

describe('audit hash chain', () => {
  it('chains every row to the previous one with the documented formula', () => {
    const log = setup(3);
    const rows = log.list();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(rows[2]!.hash).toBe(auditHash(rows[1]!.hash, rows[2]!));
    expect(log.verify()).toEqual({ ok: true, count: 3, head: { seq: 3, hash: rows[2]!.hash } });
  });

  it('the table refuses UPDATE and DELETE', () => {
    setup(2);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  it('detects an edited row and names the first broken seq', () => {
    const log = setup();
    dropGuards();
    db.prepare(`UPDATE audit_log SET data = json_set(data, '$.n', 99) WHERE seq = 3`).run();
    expect(log.verify()).toEqual({ ok: false, count: 2, brokenAt: 3, reason: 'the row content does not match its hash: the row was edited' });
  });

  it('detects an edit that also recomputed the row hash (the next row no longer chains)', () => {
    const log = setup();
    dropGuards();
    const row = log.list({ after: 2, limit: 1 })[0]!;
    const forged: AuditEntry = { ...row, actor: 'api_token:mallory' };
    db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 3').run(forged.actor, auditHash(forged.prevHash, forged));
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringMatching(/prev_hash does not match the hash of seq 3/) });
  });

  it('detects removed rows, at the start and in the middle', () => {
    const log = setup();
    dropGuards();
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 5, reason: expect.stringMatching(/follows seq 3/) });
    db.prepare('DELETE FROM audit_log WHERE seq = 1').run();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringMatching(/starts at seq 2/) });
  });

  it('detects data that is no longer JSON', () => {
    const log = setup();
    dropGuards();
    db.prepare("UPDATE audit_log SET data = '{broken' WHERE seq = 2").run();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringMatching(/not valid JSON/) });
  });

  it('exports JSONL that verifies on its own, also as a partial export', () => {
    const log = setup();
    const lines = [...log.exportJsonl()];
    expect(lines).toHaveLength(5);
    const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
    expect(verifyEntries(entries, { fromGenesis: true })).toMatchObject({ ok: true, count: 5 });
    expect(verifyEntries(entries.slice(2), { fromGenesis: false })).toMatchObject({
      ok: true,
      count: 3,
      note: expect.stringMatching(/partial log: starts at seq 3/),
    });
    const tampered = entries.map((e) => (e.seq === 4 ? { ...e, data: { ...e.data, n: 0 } } : e));
    expect(verifyEntries(tampered, { fromGenesis: true })).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('an empty log verifies', () => {
    const log = setup(0);
    expect(log.verify()).toEqual({ ok: true, count: 0, head: null });
  });
});
