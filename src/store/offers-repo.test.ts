import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { openDatabase, type Db } from './db.js';
import { OffersRepo } from './offers-repo.js';

describe('OffersRepo auth seen', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });
  const onDisk = () => db.prepare('SELECT agent_uid, credential_id FROM agent_auth_seen ORDER BY agent_uid').all();

  it('answers at once from memory and writes the rows recorded within the flush delay together after it', async () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new OffersRepo(db, { flushDelayMs: 50 });
    expect(repo.recordAuth('u1', 'token', 'c1', 1)).toBe(true);
    expect(repo.recordAuth('u2', 'token', 'c1', 1)).toBe(true);
    expect(repo.recordAuth('u2', 'token', 'c1', 2)).toBe(false); // unchanged
    expect(repo.authSeen('u2')?.credential_id).toBe('c1');
    expect(onDisk()).toEqual([]);
    await sleep(10);
    expect(repo.recordAuth('u3', 'token', 'c2', 3)).toBe(true);
    expect(onDisk()).toEqual([]);
    await sleep(100);
    expect(onDisk()).toEqual([
      { agent_uid: 'u1', credential_id: 'c1' },
      { agent_uid: 'u2', credential_id: 'c1' },
      { agent_uid: 'u3', credential_id: 'c2' },
    ]);
    expect(new OffersRepo(db).authSeen('u1')?.method).toBe('token');
    // The rows are read on first use, whichever call comes first: an unchanged credential is no write.
    expect(new OffersRepo(db).recordAuth('u1', 'token', 'c1', 5)).toBe(false);
  });

  it('writes pending rows before a rekey moves them, and when flushed at close', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new OffersRepo(db);
    repo.recordAuth('old', 'token', 'c1', 1);
    repo.rekey('old', 'new');
    expect(onDisk()).toEqual([{ agent_uid: 'new', credential_id: 'c1' }]);
    repo.recordAuth('u3', 'token', 'c2', 1);
    repo.flushPending();
    expect(onDisk()).toEqual([
      { agent_uid: 'new', credential_id: 'c1' },
      { agent_uid: 'u3', credential_id: 'c2' },
    ]);
  });
});
