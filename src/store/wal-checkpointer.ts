/**
 * @module WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the
 * database file (a checkpoint) when a commit finds the log over 1,000 pages, inside that commit, with
 * an fsync: on a busy server that put 10-15 ms stalls on the event loop every few seconds (the
 * tail of the first reply under a connect ramp). Once the WAL has grown past `startAtBytes`, a
 * worker thread with its own connection (wal-checkpoint-worker.ts) runs PASSIVE checkpoints of
 * `batchFrames` while commits go on and of the rest when they pause, so the log is copied back
 * long before a commit would have to. The main
 * connection's automatic checkpoint stays on as the fallback: if the worker falls behind or dies,
 * the commits checkpoint as before, and a checkpoint that finds nothing to copy costs no sync.
 * A worker that saw no commit for `idleExitMs` ends (an idle server does not keep the ~11 MB of a
 * thread); the next write to the WAL starts another.
 */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../shared/tsx-loader.js';

export interface CheckpointerWorkerData {
  readonly path: string;
  readonly intervalMs: number;
  readonly batchFrames: number;
  readonly idleExitMs: number;
  /** An Int32 the worker sets to 1 once its connection is closed. */
  readonly closed: SharedArrayBuffer;
}

export type CheckpointerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'checkpointed' }
  | { readonly kind: 'error'; readonly message: string }
  /** Nothing was committed for idleExitMs: the worker closed its connection and ends. */
  | { readonly kind: 'idle' };

export interface WalCheckpointerOptions {
  /** Start the worker once the WAL file is this large. Default 1 MiB (a quarter of the automatic checkpoint's threshold). */
  readonly startAtBytes?: number;
  /** How often the WAL file's size is looked at until the worker runs, in ms. Default 1000. */
  readonly watchMs?: number;
  /** How often the worker looks at the WAL, in ms. Default 100. */
  readonly intervalMs?: number;
  /** While commits go on, the worker checkpoints once this many frames wait. Default 256 (1 MiB of 4 KiB pages). */
  readonly batchFrames?: number;
  /** The worker ends after this long without a commit, in ms. Default 30000. */
  readonly idleExitMs?: number;
  /** A checkpoint failed in the worker, or the worker stopped (automatic checkpoints carry on). */
  readonly onError?: (message: string) => void;
}

export interface CheckpointerStats {
  /** 'idle': no worker (not needed yet, or it ended idle); 'starting' / 'running': the worker; 'stopped': closed or died. */
  readonly state: 'idle' | 'starting' | 'running' | 'stopped';
  /** Workers started so far. */
  readonly starts: number;
  /** Checkpoints in the worker that copied frames. */
  readonly checkpoints: number;
}

/** How long close() waits for the worker to close its connection before terminating it. */
const CLOSE_WAIT_MS = 2_000;

export class WalCheckpointer {
  readonly #walPath: string;
  readonly #startAt: number;
  readonly #intervalMs: number;
  readonly #batchFrames: number;
  readonly #idleExitMs: number;
  readonly #watchMs: number;
  readonly #onError: (message: string) => void;
  #watch: NodeJS.Timeout | undefined;
  /** The WAL's modification time when the last worker ended idle: only a later write starts another. */
  #idleSince: number | undefined;
  #starts = 0;
  #worker: Worker | undefined;
  #closed: Int32Array | undefined;
  #state: CheckpointerStats['state'] = 'idle';
  #checkpoints = 0;

  constructor(
    private readonly path: string,
    opts: WalCheckpointerOptions = {},
  ) {
    this.#walPath = `${path}-wal`;
    this.#startAt = opts.startAtBytes ?? 1024 * 1024;
    this.#intervalMs = opts.intervalMs ?? 100;
    this.#batchFrames = opts.batchFrames ?? 256;
    this.#idleExitMs = opts.idleExitMs ?? 30_000;
    this.#watchMs = opts.watchMs ?? 1000;
    this.#onError = opts.onError ?? (() => {});
    this.#startWatching();
  }

  get stats(): CheckpointerStats {
    return { state: this.#state, starts: this.#starts, checkpoints: this.#checkpoints };
  }

  /** Starts the worker now (it starts by itself once the WAL is large enough). */
  start(): void {
    if (this.#state !== 'idle') return;
    clearInterval(this.#watch);
    this.#state = 'starting';
    this.#starts += 1;
    const closed = new SharedArrayBuffer(4);
    this.#closed = new Int32Array(closed);
    const data: CheckpointerWorkerData = {
      path: this.path,
      intervalMs: this.#intervalMs,
      batchFrames: this.#batchFrames,
      idleExitMs: this.#idleExitMs,
      closed,
    };
    let worker: Worker;
    try {
      worker = startModuleWorker(import.meta.url, 'wal-checkpoint-worker', data);
    } catch (err) {
      // Called from the watch timer: a throw here would end the process. Commits keep checkpointing.
      this.#state = 'stopped';
      this.#onError(`WAL checkpoint worker could not start: ${(err as Error).message}`);
      return;
    }
    this.#worker = worker;
    worker.unref();
    // A worker that ended idle may still be exiting when the next one starts: only the current one counts.
    const current = () => this.#worker === worker;
    worker.on('message', (m: CheckpointerMessage) => {
      if (current()) this.#onMessage(m);
    });
    worker.on('error', (err) => {
      if (current()) this.#onError(`WAL checkpoint worker failed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (!current()) return;
      if (this.#state !== 'stopped') this.#onError('WAL checkpoint worker exited; commits checkpoint the WAL again');
      this.#state = 'stopped';
      this.#worker = undefined;
    });
  }

  /**
   * Stops the worker and waits (at most CLOSE_WAIT_MS) until its connection is closed, so that the
   * caller's connection, closed next, is the last one and removes the WAL.
   */
  close(): void {
    clearInterval(this.#watch);
    const worker = this.#worker;
    const wasRunning = this.#state === 'starting' || this.#state === 'running';
    this.#state = 'stopped';
    if (!worker || !wasRunning || !this.#closed) return;
    worker.postMessage('stop');
    if (Atomics.wait(this.#closed, 0, 0, CLOSE_WAIT_MS) === 'timed-out') void worker.terminate();
  }

  #startWatching(): void {
    this.#watch = setInterval(() => this.#look(), this.#watchMs);
    this.#watch.unref();
  }

  #look(): void {
    let wal: { size: number; mtimeMs: number };
    try {
      wal = statSync(this.#walPath);
    } catch {
      return; // no WAL yet
    }
    if (wal.size < this.#startAt) return;
    if (this.#idleSince !== undefined && wal.mtimeMs <= this.#idleSince) return;
    this.start();
  }

  #wentIdle(): void {
    this.#worker = undefined;
    this.#state = 'idle';
    try {
      this.#idleSince = statSync(this.#walPath).mtimeMs;
    } catch {
      this.#idleSince = 0;
    }
    this.#startWatching();
  }

  #onMessage(m: CheckpointerMessage): void {
    if (m.kind === 'ready') {
      if (this.#state === 'starting') this.#state = 'running';
    } else if (m.kind === 'idle') {
      this.#wentIdle();
    } else if (m.kind === 'checkpointed') {
      this.#checkpoints += 1;
    } else {
      this.#onError(`WAL checkpoint failed: ${m.message}`);
    }
  }
}
