/**
 * @module The worker thread of WalCheckpointer: a second connection to the database file that runs
 * a PASSIVE checkpoint at a fixed interval. A PASSIVE checkpoint copies the committed WAL frames
 * into the database file and syncs it; it never waits for the main connection's readers or writer,
 * and they never wait for it (they only share the WAL, appended to by one and read by the other).
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
const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker runs as a worker thread');
const send = (m: CheckpointerMessage) => port.postMessage(m);

const db = new Database(data.path, { fileMustExist: true });
// This connection never writes; it must not wait on a lock either (the next round retries).
db.pragma('busy_timeout = 0');
const dataVersion = db.prepare('PRAGMA data_version').pluck();
let seenVersion = -1;

const timer = setInterval(() => {
  const started = performance.now();
  try {
    // data_version changes when another connection has committed since this one last asked.
    const version = dataVersion.get() as number;
    if (version === seenVersion) return;
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    // A round that could not copy everything (a reader held the log) is retried by the next one.
    if (row && row.checkpointed === row.log) seenVersion = version;
    if (row && row.checkpointed > 0) send({ kind: 'checkpointed', log: row.log, ms: performance.now() - started });
  } catch (err) {
    send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}, data.intervalMs);

port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    // The main thread waits on this flag so that its own connection closes last (and removes the WAL).
    const flag = new Int32Array(data.closed);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    port.close();
  }
});
send({ kind: 'ready' });
