import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { openDatabase, sqliteUnitOfWork, type Db } from './db.js';

describe('sqliteUnitOfWork', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    removeDir(dir);
  });

  it('nests durable work in a durable transaction, committed with it and rolled back with it', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const uow = sqliteUnitOfWork(db);
    db.exec('CREATE TABLE t (v INTEGER)');
    const synchronous = () => db.pragma('synchronous', { simple: true });
    uow.durably(() => {
      expect(synchronous()).toBe(2); // FULL
      uow.durably(() => db.prepare('INSERT INTO t VALUES (1)').run());
    });
    expect(synchronous()).toBe(1); // NORMAL again
    expect(() =>
      uow.durably(() => {
        uow.durably(() => db.prepare('INSERT INTO t VALUES (2)').run());
        throw new Error('outer fails');
      }),
    ).toThrow('outer fails');
    expect(db.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }]);
  });

  it('refuses durable work inside a NORMAL transaction instead of committing it less durably', () => {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    const uow = sqliteUnitOfWork(db);
    expect(() => uow.atomically(() => uow.durably(() => 1))).toThrow('durable work inside a non-durable transaction');
  });
});
