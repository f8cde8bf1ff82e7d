/**
 * @module The worker thread of WalCheckpointer: a second connection to the database file that runs
 * a PASSIVE checkpoint at a fixed interval. A PASSIVE checkpoint copies the committed WAL frames
 * into the database file and syncs it; it never waits for the main connection's readers or writer,
 * and they never wait for it (they only share the WAL, appended to by one and read by the other).
 * With nothing committed for `idleExitMs` the thread ends itself (it holds ~11 MB); the main thread
 * starts a new one when the WAL is written again.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerMessage, CheckpointerWorkerData } from './wal-checkpointer.js';

interface CheckpointRow {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const data = workerData as CheckpointerWorkerData;
if (!parentPort) throw new Error('wal-checkpoint-worker runs as a worker thread');
const port = parentPort;
const send = (m: CheckpointerMessage) => port.postMessage(m);

const db = new Database(data.path, { fileMustExist: true });
// This connection never writes; it must not wait on a lock either (the next round retries).
db.pragma('busy_timeout = 0');
const dataVersion = db.prepare('PRAGMA data_version').pluck();
let seenVersion = -1;

let lastChangeAt = Date.now();

const timer = setInterval(() => {
  const started = performance.now();
  try {
    // data_version changes when another connection has committed since this one last asked.
    const version = dataVersion.get() as number;
    if (version === seenVersion) {
      if (Date.now() - lastChangeAt >= data.idleExitMs) stop('idle');
      return;
    }
    lastChangeAt = Date.now();
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    // A round that could not copy everything (a reader held the log) is retried by the next one.
    if (row && row.checkpointed === row.log) seenVersion = version;
    if (row && row.checkpointed > 0) send({ kind: 'checkpointed', log: row.log, ms: performance.now() - started });
  } catch (err) {
    send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}, data.intervalMs);

/** Closes the connection and ends the thread: asked to ('stop'), or nothing was committed for idleExitMs ('idle'). */
function stop(why: 'stop' | 'idle'): void {
  clearInterval(timer);
  try {
    db.close();
  } finally {
    if (why === 'idle') send({ kind: 'idle' });
    // The main thread waits on this flag so that its own connection closes last (and removes the WAL).
    const flag = new Int32Array(data.closed);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    port.close();
  }
}

port.on('message', (m: unknown) => {
  if (m === 'stop') stop('stop');
});
send({ kind: 'ready' });
