/**
 * @module The worker thread of WalCheckpointer: a second connection to the database file that runs
 * PASSIVE checkpoints. A PASSIVE checkpoint copies the committed WAL frames into the database file
 * and syncs it; it never waits for the main connection's readers or writer, and they never wait
 * for it (they only share the WAL, appended to by one and read by the other).
 *
 * When: while commits go on, once `batchFrames` frames wait to be copied (a page rewritten many
 * times is copied once per batch, not once per round); as soon as the commits pause, whatever is
 * left. The waiting frames are read from the wal-index header in the `-shm` file (mxFrame minus
 * nBackfill; SQLite documentation, "WAL-mode File Format", the WAL-index header and checkpoint
 * information). With nothing committed for `idleExitMs` the thread ends itself (it holds
 * ~11 MB); the main thread starts a new one when the WAL is written again.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
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

/** Byte offsets in the wal-index (native byte order): the header's mxFrame, the checkpoint information's nBackfill. */
const MX_FRAME = 16;
const N_BACKFILL = 96;
const shm = openShm();
const header = Buffer.alloc(N_BACKFILL + 4);
const readU32 = endianness() === 'LE' ? (at: number) => header.readUInt32LE(at) : (at: number) => header.readUInt32BE(at);

function openShm(): number | undefined {
  try {
    return openSync(`${data.path}-shm`, 'r');
  } catch {
    return undefined; // without it, every round that saw a commit checkpoints
  }
}

/** Frames committed to the WAL and not copied back yet; undefined when the wal-index cannot be read. */
function waitingFrames(): number | undefined {
  if (shm === undefined) return undefined;
  try {
    if (readSync(shm, header, 0, header.length, 0) < header.length) return undefined;
  } catch {
    return undefined;
  }
  const waiting = readU32(MX_FRAME) - readU32(N_BACKFILL);
  return waiting >= 0 ? waiting : undefined;
}

let seenVersion = -1;
let lastChangeAt = Date.now();
/** A commit was seen since the last checkpoint that copied everything. */
let dirty = false;

const timer = setInterval(() => {
  try {
    // data_version changes when another connection has committed since this one last asked.
    const version = dataVersion.get() as number;
    const quiet = version === seenVersion;
    if (!quiet) {
      seenVersion = version;
      lastChangeAt = Date.now();
      dirty = true;
    }
    if (!dirty) {
      if (Date.now() - lastChangeAt >= data.idleExitMs) stop('idle');
      return;
    }
    const waiting = waitingFrames();
    if (waiting === 0) {
      dirty = false; // copied already (a commit's automatic checkpoint)
      return;
    }
    if (waiting !== undefined && waiting < data.batchFrames && !quiet) return; // commits go on: wait for a batch
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    // A round that could not copy everything (a reader held the log) is retried by the next one.
    if (row && row.checkpointed === row.log) dirty = false;
    if (row && row.checkpointed > 0) send({ kind: 'checkpointed' });
  } catch (err) {
    send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}, data.intervalMs);

/** Closes the connection and ends the thread: asked to ('stop'), or nothing was committed for idleExitMs ('idle'). */
function stop(why: 'stop' | 'idle'): void {
  clearInterval(timer);
  try {
    if (shm !== undefined) closeSync(shm);
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
