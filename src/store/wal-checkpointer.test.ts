import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { openDatabase, type Db } from './db.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('WalCheckpointer', () => {
  let dir: string;
  let db: Db | undefined;
  let cp: WalCheckpointer | undefined;
  afterEach(() => {
    cp?.close();
    db?.close();
    cp = undefined;
    db = undefined;
    removeDir(dir);
  });

  const open = () => {
    dir = tempDir();
    const path = join(dir, 'a.db');
    db = openDatabase(path);
    db.exec('CREATE TABLE blob_rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    return { path, db };
  };
  const write = (d: Db, rows: number) => {
    const put = d.prepare('INSERT INTO blob_rows (body) VALUES (?)');
    d.transaction(() => {
      for (let i = 0; i < rows; i++) put.run(Buffer.alloc(2000, i));
    })();
  };

  it('starts once the WAL passes its threshold and copies it into the database file on its own thread', async () => {
    const { path, db: d } = open();
    // Only the worker may checkpoint here: the database file grows only if it did.
    d.pragma('wal_autocheckpoint = 0');
    cp = new WalCheckpointer(path, { startAtBytes: 1024 * 1024, watchMs: 20, intervalMs: 20 });
    write(d, 100); // the migrations' ~330 KB of WAL and ~200 KB more: below the threshold
    await new Promise((r) => setTimeout(r, 100));
    expect(cp.stats.state).toBe('idle');
    const fileBefore = statSync(path).size;

    write(d, 400); // ~800 KB more
    await until('a checkpoint in the worker', () => (cp?.stats.checkpoints ?? 0) > 0);
    expect(cp.stats.state).toBe('running');
    expect(statSync(path).size).toBeGreaterThan(fileBefore + 500 * 2000);
    // The log starts over once copied: further writes reuse it instead of growing it.
    const walSize = statSync(`${path}-wal`).size;
    for (let i = 0; i < 5; i++) {
      const seen = cp.stats.checkpoints;
      write(d, 20);
      await until('the next checkpoint', () => (cp?.stats.checkpoints ?? 0) > seen);
    }
    expect(statSync(`${path}-wal`).size).toBe(walSize);
  });

  it('while commits go on, copies back only once a batch waits; the rest when they pause', async () => {
    const { path, db: d } = open();
    d.pragma('wal_autocheckpoint = 0');
    const put = d.prepare('INSERT INTO blob_rows (body) VALUES (?)');
    /** Commits one row at a time without yielding: the worker sees a commit in every round. */
    const commitFor = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) put.run(Buffer.alloc(2000, 1));
    };
    const started = async (batchFrames: number) => {
      cp?.close();
      cp = new WalCheckpointer(path, { intervalMs: 20, batchFrames });
      cp.start();
      await until('the worker', () => cp?.stats.state === 'running');
      d.pragma('wal_checkpoint(TRUNCATE)'); // start from an empty log
    };

    await started(1_000_000); // more frames than 300 ms of commits write
    let file = statSync(path).size;
    commitFor(300);
    expect(statSync(path).size).toBe(file); // not one copy while the commits went on
    await until('the rest copied once they paused', () => statSync(path).size > file);

    await started(64);
    file = statSync(path).size;
    commitFor(300);
    expect(statSync(path).size).toBeGreaterThan(file); // batches copied while the commits went on
  });

  it('closes its connection before the caller closes, so the last connection removes the WAL and nothing is lost', async () => {
    const { path, db: d } = open();
    cp = new WalCheckpointer(path, { intervalMs: 20 });
    cp.start();
    await until('the worker', () => cp?.stats.state === 'running');
    write(d, 50);
    cp.close();
    expect(cp.stats.state).toBe('stopped');
    d.close();
    db = undefined;
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = openDatabase(path);
    expect(again.prepare('SELECT count(*) AS n FROM blob_rows').get()).toEqual({ n: 50 });
    again.close();
  });

  it('ends its thread when nothing is committed for a while, and starts another at the next write', async () => {
    const { path, db: d } = open();
    d.pragma('wal_autocheckpoint = 0');
    cp = new WalCheckpointer(path, { startAtBytes: 1024 * 1024, watchMs: 20, intervalMs: 20, idleExitMs: 150 });
    write(d, 500);
    await until('a checkpoint in the first worker', () => (cp?.stats.checkpoints ?? 0) > 0);
    await until('the first worker to end idle', () => cp?.stats.state === 'idle');
    expect(cp.stats.starts).toBe(1);
    // No write, no new worker (the WAL file keeps its size after a checkpoint).
    await new Promise((r) => setTimeout(r, 200));
    expect(cp.stats).toMatchObject({ state: 'idle', starts: 1 });

    const seen = cp.stats.checkpoints;
    const fileBefore = statSync(path).size;
    await new Promise((r) => setTimeout(r, 20)); // a later modification time than the idle mark
    write(d, 300);
    await until('a checkpoint in the second worker', () => (cp?.stats.checkpoints ?? 0) > seen);
    expect(cp.stats.starts).toBe(2);
    expect(statSync(path).size).toBeGreaterThan(fileBefore + 250 * 2000);
  });

  it('is closed safely before it ever started, and while it is still starting', () => {
    const { path } = open();
    const idle = new WalCheckpointer(path);
    idle.close();
    expect(idle.stats.state).toBe('stopped');
    cp = new WalCheckpointer(path);
    cp.start();
    cp.close(); // the stop message waits for the worker's start-up
    expect(cp.stats.state).toBe('stopped');
  });
});
