/**
 * @module SQLite connection. One better-sqlite3 handle per process, WAL mode, migrations applied on
 * open. better-sqlite3 is synchronous: keep transactions short, they block the event loop.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';
import type { UnitOfWork } from './ports/store.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Skip migrations (used by tooling that only reads). Default false. */
  readonly readonly?: boolean;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false });
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL never corrupts; approval and audit writes raise it to FULL per transaction
    // through `durably()` so an acknowledged approval survives power loss.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  }
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) migrate(db);
  return db;
}

/** Applies every migration newer than `PRAGMA user_version`, each in its own transaction. */
function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/**
 * Runs `fn` in an IMMEDIATE transaction committed with synchronous=FULL: for rows that must not be
 * lost once acknowledged (approvals, audit, credentials). ~0.2 ms of fsync, fine at human rates.
 */
export function durably<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) {
    // Nested durable work commits with the durable transaction around it (a savepoint); inside a
    // NORMAL transaction it could not be made durable (the pragma cannot change there).
    if (!inDurable.has(db)) throw new Error('durable work inside a non-durable transaction');
    return db.transaction(fn)();
  }
  db.pragma('synchronous = FULL');
  inDurable.add(db);
  try {
    return db.transaction(fn).immediate();
  } finally {
    inDurable.delete(db);
    db.pragma('synchronous = NORMAL');
  }
}

/** Handles inside a durable transaction right now. */
const inDurable = new WeakSet<Db>();

/** The UnitOfWork of one SQLite handle: IMMEDIATE transactions, FULL or NORMAL synchronous. */
export function sqliteUnitOfWork(db: Db): UnitOfWork {
  return {
    durably: (fn) => durably(db, fn),
    atomically: (fn) => db.transaction(fn)(),
  };
}
