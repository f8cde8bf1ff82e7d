/**
 * @module The PostgreSQL implementation of the store boundary (src/store/ports/store.ts): the
 * synchronous bridge (bridge.ts), the migrated schema, one repository per table group and, for a
 * server, the cluster session (cluster.ts) that makes it one replica among several. Tools (the
 * CLI's offline commands) open it without joining the cluster.
 */
import type { Store } from '../ports/store.js';
import type { ClusterPort } from '../ports/cluster.js';
import type { LaterFailure } from './bridge-protocol.js';
import { SyncPg } from './bridge.js';
import { PgCluster } from './cluster.js';
import { migratePg } from './migrate.js';
import { PgAgentCredentialsRepo } from './agent-credentials-repo.js';
import { PgAgentsRepo } from './agents-repo.js';
import { PgApiTokensRepo } from './api-tokens-repo.js';
import { PgAuditRepo } from './audit-repo.js';
import { PgChangesRepo } from './changes-repo.js';
import { PgCommandsRepo } from './commands-repo.js';
import { PgConfigsRepo } from './configs-repo.js';
import { PgConsoleSessionsRepo } from './console-sessions-repo.js';
import { PgOffersRepo } from './offers-repo.js';
import { PgPauseRepo } from './pause-repo.js';
import { PgRemoteConfigRepo } from './remote-config-repo.js';
import { PgRolloutsRepo } from './rollouts-repo.js';
import { PgRotationsRepo } from './rotations-repo.js';
import { PgSlackCardsRepo } from './slack-cards-repo.js';

export interface PgStoreOptions {
  /** Clock for the timestamps the repositories write themselves. Default Date.now. */
  readonly now?: () => number;
  /** Join the cluster as a replica (a server). Default false: a tool that only reads and writes rows. */
  readonly replica?: boolean;
  /** A write-behind batch or a cluster job failed. */
  readonly onError?: (what: string, err: unknown) => void;
}

export { isPostgresUrl } from './url.js';

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
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
  readonly #pg: SyncPg;
  readonly #cluster: PgCluster | undefined;

  constructor(syncPg: SyncPg, cluster: PgCluster | undefined, opts: { readonly now?: () => number } = {}) {
    const now = opts.now ?? Date.now;
    const replica = () => cluster?.replicaId ?? null;
    this.#pg = syncPg;
    this.#cluster = cluster;
    this.uow = { durably: <T>(fn: () => T) => syncPg.durably(fn), atomically: <T>(fn: () => T) => syncPg.atomically(fn) };
    this.agents = new PgAgentsRepo(syncPg, replica);
    const credentials = new PgAgentCredentialsRepo(syncPg);
    this.agentCredentials = credentials;
    this.apiTokens = new PgApiTokensRepo(syncPg);
    this.audit = new PgAuditRepo(syncPg);
    this.changes = new PgChangesRepo(syncPg, replica);
    this.commands = new PgCommandsRepo(syncPg);
    this.configs = new PgConfigsRepo(syncPg);
    this.consoleSessions = new PgConsoleSessionsRepo(syncPg);
    const offers = new PgOffersRepo(syncPg);
    this.offers = offers;
    this.pause = new PgPauseRepo(syncPg);
    this.remoteConfig = new PgRemoteConfigRepo(syncPg);
    this.rollouts = new PgRolloutsRepo(syncPg);
    this.rotations = new PgRotationsRepo(syncPg, now);
    this.slackCards = new PgSlackCardsRepo(syncPg);
    // The store's own caches follow the other replicas' writes first, before any subscriber.
    cluster?.onChange((topic, keys) => {
      if (topic === 'credential') credentials.invalidate();
      else if (topic === 'auth' || topic === 'offer') offers.reload(keys);
    });
  }

  get cluster(): ClusterPort | undefined {
    return this.#cluster;
  }

  ping(): number {
    const t = performance.now();
    this.#pg.row('SELECT 1');
    return performance.now() - t;
  }

  close(): void {
    try {
      this.#pg.drain();
    } finally {
      void this.#cluster?.close();
      this.#pg.close();
    }
  }

  /** Closes, waiting for the cluster session to end (its locks released, the replica marked stopped). */
  async closeAsync(): Promise<void> {
    try {
      this.#pg.drain();
    } finally {
      await this.#cluster?.close();
      this.#pg.close();
    }
  }
}

/** Opens (migrating) the PostgreSQL database at `url`; with `replica`, joins its cluster. */
export async function openPgStore(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
  let origin = 'tool';
  const onLater = (f: LaterFailure) => opts.onError?.('a batched write', new Error(`${f.error.message} (${f.statements} statements lost)`));
  const syncPg = new SyncPg(url, { applicationName: opts.replica ? 'ampgate-store' : 'ampgate-tool', origin: () => origin, onLaterFailure: onLater });
  try {
    migratePg(syncPg);
    const cluster = opts.replica
      ? await PgCluster.join(url, syncPg, { ...(opts.now ? { now: opts.now } : {}), onJobError: (job, err) => opts.onError?.(`cluster job ${job}`, err) })
      : undefined;
    if (cluster) origin = cluster.replicaId;
    return new PgStore(syncPg, cluster, opts);
  } catch (err) {
    syncPg.close();
    throw err;
  }
}
