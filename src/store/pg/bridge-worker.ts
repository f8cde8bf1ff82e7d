/**
 * @module The worker thread of the synchronous PostgreSQL bridge: it owns one `pg` connection and
 * runs what the main thread asks, strictly in arrival order (a synchronous call waits behind the
 * write-behind batches queued before it, so it reads what they wrote). Replies go back on the
 * MessagePort handed over at start, and the shared flag wakes the main thread's Atomics.wait.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import {
  FEED_CHANNEL,
  type BridgeErrorData,
  type BridgeReply,
  type BridgeRequest,
  type LaterFailure,
  type Statement,
  type StatementResult,
  type WorkerData,
} from './bridge-protocol.js';

// bigint columns (epoch milliseconds, counts) as numbers: every value ampgate stores fits 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

const data = workerData as WorkerData;
const flag = new Int32Array(data.flag);
const [lockA, lockB] = data.writerLock;
/** Feed notes go out in one statement per transaction. */
const NOTIFY = 'SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n';
const NONE: StatementResult = { rows: [], rowCount: 0 };

let client: pg.Client | undefined;
let broken = false;
let inTx = false;

async function connection(): Promise<pg.Client> {
  if (client && !broken) return client;
  if (inTx) throw new Error('the database connection was lost during a transaction');
  client?.removeAllListeners();
  const c = new pg.Client({
    connectionString: data.url,
    application_name: data.applicationName,
    // A stuck statement or lock must not hold the server's event loop (it waits on this worker).
    statement_timeout: 30_000,
    lock_timeout: 15_000,
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
  });
  c.on('error', () => {
    broken = true;
  });
  await c.connect();
  // Writes outside a durable transaction may lose the last moments before a database crash, never
  // consistency (the same trade as SQLite's synchronous=NORMAL in WAL mode).
  await c.query('SET synchronous_commit = off');
  client = c;
  broken = false;
  return c;
}

function errorData(err: unknown): BridgeErrorData {
  const e = err as { message?: string; code?: string; detail?: string };
  return { message: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}), ...(e?.detail ? { detail: e.detail } : {}) };
}

async function exec(c: pg.Client, statements: readonly Statement[]): Promise<StatementResult[]> {
  const out: StatementResult[] = [];
  for (const s of statements) {
    const r = await c.query({ text: s.sql, values: s.params as unknown[] });
    out.push({ rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 });
  }
  return out;
}

async function begin(c: pg.Client, durable: boolean): Promise<void> {
  await c.query('BEGIN');
  inTx = true;
  if (durable) {
    await c.query('SET LOCAL synchronous_commit = on');
    // One durable writer at a time across every replica: the audit chain and approval counts read
    // and write in the same transaction, as they do under SQLite's single writer.
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [lockA, lockB]);
  }
}

async function commit(c: pg.Client, statements: readonly Statement[], notes: readonly string[]): Promise<StatementResult[]> {
  try {
    const results = await exec(c, statements);
    if (notes.length > 0) await c.query(NOTIFY, [FEED_CHANNEL, notes]);
    await c.query('COMMIT');
    return results;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    inTx = false;
  }
}

/** Statements and their notes in a transaction of their own. */
async function batch(c: pg.Client, statements: readonly Statement[], notes: readonly string[]): Promise<StatementResult[]> {
  if (inTx) {
    const results = await exec(c, statements);
    if (notes.length > 0) await c.query(NOTIFY, [FEED_CHANNEL, notes]);
    return results;
  }
  await begin(c, false);
  return commit(c, statements, notes);
}

type Result = { rows: readonly Record<string, unknown>[]; rowCount: number; results?: readonly StatementResult[] };

async function run(req: BridgeRequest): Promise<Result> {
  if (req.op === 'end') {
    await client?.end().catch(() => undefined);
    client = undefined;
    return NONE;
  }
  const c = await connection();
  switch (req.op) {
    case 'query': {
      const r = await c.query({ text: req.sql, values: req.params as unknown[] });
      return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 };
    }
    case 'many': {
      const results = await exec(c, req.statements);
      return { ...(results.at(-1) ?? NONE), results };
    }
    case 'begin':
      await begin(c, req.durable);
      return NONE;
    case 'commit':
      return { ...NONE, results: await commit(c, req.statements, req.notes) };
    case 'rollback':
      inTx = false;
      await c.query('ROLLBACK');
      return NONE;
    case 'drain':
      return NONE;
    case 'later':
    case 'batch':
      return { ...NONE, results: await batch(c, req.statements, req.notes) };
  }
}

let port: MessagePort | undefined;
let chain: Promise<void> = Promise.resolve();

function reply(r: BridgeReply): void {
  port!.postMessage(r);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function handle(req: BridgeRequest): void {
  chain = chain.then(async () => {
    try {
      const result = await run(req);
      if (req.op !== 'later') reply({ id: req.id, ...result });
    } catch (err) {
      if (req.op === 'later') {
        const failure: LaterFailure = { kind: 'later-failed', error: errorData(err), statements: req.statements.length };
        parentPort!.postMessage(failure);
      } else reply({ id: req.id, error: errorData(err) });
    }
  });
}

parentPort!.once('message', (msg: { port: MessagePort }) => {
  port = msg.port;
  port.on('message', handle);
});
