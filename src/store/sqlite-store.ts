/**
 * @module The SQLite implementation of the store boundary (src/store/ports/store.ts): one
 * better-sqlite3 handle, migrated on open, and one repository per table group on it.
 */
import { existsSync } from 'node:fs';
import { AgentCredentialsRepo } from './agent-credentials-repo.js';
import { AgentsRepo } from './agents-repo.js';
import { ApiTokensRepo } from './api-tokens-repo.js';
import { AuditRepo } from './audit-repo.js';
import { ChangesRepo } from './changes-repo.js';
import { CommandsRepo } from './commands-repo.js';
import { ConfigsRepo } from './configs-repo.js';
import { ConsoleSessionsRepo } from './console-sessions-repo.js';
import { openDatabase, sqliteUnitOfWork, type Db, type OpenOptions } from './db.js';
import { OffersRepo } from './offers-repo.js';
import { PauseRepo } from './pause-repo.js';
import type { AuditStore } from './ports/audit.js';
import type { Store } from './ports/store.js';
import { RemoteConfigRepo } from './remote-config-repo.js';
import { RolloutsRepo } from './rollouts-repo.js';
import { RotationsRepo } from './rotations-repo.js';
import { SlackCardsRepo } from './slack-cards-repo.js';
import { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.js';

export interface SqliteStoreOptions extends OpenOptions {
  /** Clock for the timestamps the repositories write themselves. Default Date.now. */
  readonly now?: () => number;
  /**
   * WAL checkpoints on a worker thread once the WAL grows (wal-checkpointer.ts); false keeps them in
   * the commits. Default: on for a writable database file.
   */
  readonly checkpoints?: WalCheckpointerOptions | false;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly uow;
  readonly agents;
  readonly agentCredentials;
  readonly apiTokens;
  readonly audit;
  readonly changes;
  readonly commands;
  readonly configs;
  readonly consoleSessions;
  readonly offers;
  readonly pause;
  readonly remoteConfig;
  readonly rollouts;
  readonly rotations;
  readonly slackCards;
  /** The background checkpointer, on a writable database file. */
  readonly checkpointer: WalCheckpointer | undefined;

  constructor(
    /** The raw handle, for tests and tools; the domain never sees it. */
    readonly db: Db,
    opts: { readonly now?: () => number; readonly checkpointer?: WalCheckpointer } = {},
  ) {
    this.checkpointer = opts.checkpointer;
    const now = opts.now ?? Date.now;
    this.uow = sqliteUnitOfWork(db);
    this.agents = new AgentsRepo(db);
    this.agentCredentials = new AgentCredentialsRepo(db);
    this.apiTokens = new ApiTokensRepo(db);
    this.audit = new AuditRepo(db);
    this.changes = new ChangesRepo(db);
    this.commands = new CommandsRepo(db);
    this.configs = new ConfigsRepo(db);
    this.consoleSessions = new ConsoleSessionsRepo(db);
    this.offers = new OffersRepo(db);
    this.pause = new PauseRepo(db);
    this.remoteConfig = new RemoteConfigRepo(db);
    this.rollouts = new RolloutsRepo(db);
    this.rotations = new RotationsRepo(db, now);
    this.slackCards = new SlackCardsRepo(db);
  }

  ping(): number {
    const t = performance.now();
    this.db.prepare('SELECT 1').get();
    return performance.now() - t;
  }

  close(): void {
    this.offers.flushPending();
    this.checkpointer?.close();
    this.db.close();
  }
}

/** Opens (creating and migrating) the SQLite database at `path`. */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(path, opts);
  const background = path !== ':memory:' && !opts.readonly && opts.checkpoints !== false;
  const checkpointer = background ? new WalCheckpointer(path, opts.checkpoints || {}) : undefined;
  return new SqliteStore(db, { ...opts, checkpointer });
}

/**
 * Opens an existing database read-only for the audit log alone (offline `ampgate audit verify
 * --db` and `export --db`, on a copy or a stopped server's file). Throws when the file has no
 * audit log.
 */
export function openSqliteAuditLog(path: string): { readonly audit: AuditStore; close(): void } {
  if (!existsSync(path)) throw new Error(`no such database file: ${path}`);
  const db = openDatabase(path, { readonly: true });
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get();
  if (!table) {
    db.close();
    throw new Error(`${path} has no audit_log table: not an ampgate database, or one from before change requests`);
  }
  return { audit: new AuditRepo(db), close: () => db.close() };
}
