import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { openDatabase, type Db } from './db.js';
import { RemoteConfigRepo } from './remote-config-repo.js';

describe('RemoteConfigRepo.assign', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });

  it('returns exactly the row it stored, and points the agent at it', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const repo = new RemoteConfigRepo(db);
    repo.putPayload('h1', '{}', 'cfg v1', 1);
    repo.putPayload('h2', '{}', 'cfg v2', 1);
    const first = repo.assign('u1', 'h1', 'c1', null, 1_000);
    expect(first).toEqual(repo.attempt(first.id));
    const second = repo.assign('u1', 'h2', 'c2', 'h1', 2_000);
    expect(second).toEqual(repo.attempt(second.id));
    expect(second.id).toBeGreaterThan(first.id);
    expect(repo.desiredAll()).toEqual([second]);
  });
});
