/**
 * @module The store boundary. The domain depends on these interfaces only; src/store/sqlite-store.ts
 * implements them on SQLite (better-sqlite3, synchronous) and src/store/pg/pg-store.ts on
 * PostgreSQL (synchronous through a worker thread, shared by several replicas; ARCHITECTURE.md,
 * "The store boundary").
 *
 * Every read and write a domain module makes goes through one of these stores, and every
 * transaction through the UnitOfWork: nothing outside src/store sees SQL, a connection or a
 * statement.
 */
import type { AgentCredentialsStore } from './agent-credentials.js';
import type { AgentsStore } from './agents.js';
import type { ApiTokensStore } from './api-tokens.js';
import type { AuditStore } from './audit.js';
import type { ChangesStore } from './changes.js';
import type { ClusterPort } from './cluster.js';
import type { CommandsStore } from './commands.js';
import type { ConfigsStore } from './configs.js';
import type { ConsoleSessionsStore } from './console-sessions.js';
import type { OffersStore } from './offers.js';
import type { PauseStore } from './pause.js';
import type { RemoteConfigStore } from './remote-config.js';
import type { RolloutsStore } from './rollouts.js';
import type { RotationsStore } from './rotations.js';
import type { SlackCardsStore } from './slack-cards.js';

/**
 * Transactions. `fn` runs synchronously and must not await: its reads and writes commit together
 * or not at all. Calls nest (the inner one joins the outer transaction).
 */
export interface UnitOfWork {
  /**
   * Committed so that it survives power loss before it returns: for rows that must not be lost
   * once acknowledged (approvals, audit, credentials).
   */
  durably<T>(fn: () => T): T;
  /** Committed with the store's normal durability: batches of state that can be re-derived. */
  atomically<T>(fn: () => T): T;
}

export interface Store {
  /** Which database (for /healthz and logs; nothing may branch on it but the composition root). */
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Present when several replicas may share the store (PostgreSQL): what the others wrote, jobs
   * that run once per cluster, which replicas are alive.
   */
  readonly cluster?: ClusterPort;
  readonly uow: UnitOfWork;
  readonly agents: AgentsStore;
  readonly agentCredentials: AgentCredentialsStore;
  readonly apiTokens: ApiTokensStore;
  readonly audit: AuditStore;
  readonly changes: ChangesStore;
  readonly commands: CommandsStore;
  readonly configs: ConfigsStore;
  readonly consoleSessions: ConsoleSessionsStore;
  readonly offers: OffersStore;
  readonly pause: PauseStore;
  readonly remoteConfig: RemoteConfigStore;
  readonly rollouts: RolloutsStore;
  readonly rotations: RotationsStore;
  readonly slackCards: SlackCardsStore;
  /** A trivial query's round trip in ms (/healthz); throws when the database does not answer. */
  ping(): number;
  /** Writes everything batched so far, then closes. */
  close(): void;
}
