import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { createLogger } from '../shared/log.js';
import type { Store } from '../store/ports/store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { openAppStore } from './store.js';

describe('openAppStore (SQLite)', () => {
  let dir: string;
  let store: Store | undefined;
  afterEach(() => {
    store?.close();
    store = undefined;
    removeDir(dir);
  });

  it('checkpoints the WAL on a worker thread by default, and inside the commits with AMPGATE_SQLITE_CHECKPOINTS=inline', async () => {
    dir = tempDir();
    store = await openAppStore(join(dir, 'a.db'), createLogger('silent'));
    expect(store).toBeInstanceOf(SqliteStore);
    expect((store as SqliteStore).checkpointer?.stats.state).toBe('idle'); // starts once the WAL grows
    store.close();

    store = await openAppStore(join(dir, 'b.db'), createLogger('silent'), 'inline');
    expect((store as SqliteStore).checkpointer).toBeUndefined();
  });
});
