/**
 * @module One replica among several on a shared store (PostgreSQL): wires the cluster port to the
 * domain. Other replicas' writes reach this process through the store's change feed; the
 * in-memory views (registry, desired configs, pause state, restart commands) re-read what changed
 * and agents whose connection this process holds get what is now due to them. Work that must run
 * once per cluster (expiry and freeze checks, resuming a dead replica's executions, marking its
 * agents and silent HTTP agents offline) runs as cluster jobs, on whichever replica holds each
 * job's lock.
 */
import type { ChangeEngine } from '../changes/engine.js';
import type { Settings } from '../config.js';
import type { AgentCredentials } from '../creds/agent-credentials.js';
import type { CredentialsModule } from '../creds/module.js';
import type { FleetActions } from '../fleet/fleet-actions.js';
import type { Fleet } from '../fleet/fleet.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { Logger } from '../shared/log.js';
import type { ClusterPort, FeedTopic } from '../store/ports/cluster.js';
import type { Store } from '../store/ports/store.js';

export interface ReplicaDeps {
  readonly cluster: ClusterPort;
  readonly store: Store;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  readonly fleetActions: FleetActions;
  readonly changes: ChangeEngine;
  readonly credentialsModule: CredentialsModule;
  readonly credentials: AgentCredentials;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Replica {
  readonly id: string;
  advertise(opampUrl: string, controlUrl: string): void;
  /** This replica, the jobs it runs and the replicas it sees (for /healthz). */
  health(): { id: string; jobs: string[]; replicas: Array<{ id: string; alive: boolean; opampUrl: string | null; self: boolean }> };
  stop(): void;
}

/** Topics after which an agent may have something new due. */
const DELIVERS: ReadonlySet<FeedTopic> = new Set(['attempt', 'pause', 'command', 'offer', 'rotation', 'auth']);

/** How often the cluster jobs run, in ms. */
const JOB_MS = { changes: 1_000, orphans: 2_000, deadReplicas: 2_000, httpLiveness: 5_000 } as const;

export function joinCluster(d: ReplicaDeps): Replica {
  const { cluster, registry, fleet, fleetActions } = d;
  const now = d.now ?? Date.now;
  const log = d.logger.child({ component: 'replica', replica: cluster.replicaId });
  const httpTimeoutMs = d.settings.heartbeatSeconds * 3 * 1000;
  // Nothing is held here yet: every known agent is as the database says (pollers silent for longer
  // than their window are offline), until it reports here.
  d.store.agents.markHttpOffline(now() - httpTimeoutMs, now());
  registry.applyRemote(d.store.agents.loadAll());

  const reloadAgents = (keys: readonly string[] | 'all') => {
    const rows = keys === 'all' ? d.store.agents.loadAll() : d.store.agents.byUids(keys);
    const found = new Set(rows.map((r) => r.uid));
    registry.applyRemote(rows, keys === 'all' ? [] : keys.filter((k) => !found.has(k)));
  };
  const unsubscribe = cluster.onChange((topic, keys) => {
    if (topic === 'agent') reloadAgents(keys);
    else if (topic === 'attempt') fleetActions.desired.reload(keys);
    else if (topic === 'pause') fleetActions.pause.reload(keys);
    else if (topic === 'command') fleetActions.restarts.reload(keys);
    else if (topic === 'change' && keys !== 'all') d.changes.changedElsewhere(keys);
    else if (topic === 'credential') d.credentials.changedElsewhere(keys);
    else if (topic === 'auth') d.credentialsModule.runtime.tracker.changedElsewhere(keys);
    if (!DELIVERS.has(topic)) return;
    for (const uid of keys === 'all' ? [...registry.all()].map((a) => a.uid) : keys) if (fleet.link(uid)) fleet.nudge(uid);
  });
  cluster.onLost((err) => log.fatal({ err }, 'this replica lost its database session: it must stop (its agents and jobs move to other replicas)'));

  const stops = [
    cluster.schedule({ name: 'change-expiry-and-freeze', everyMs: JOB_MS.changes, run: () => d.changes.tick() }),
    cluster.schedule({ name: 'resume-orphaned-executions', everyMs: JOB_MS.orphans, run: () => d.changes.resumeOrphans() }),
    cluster.schedule({
      name: 'release-dead-replicas',
      everyMs: JOB_MS.deadReplicas,
      run: () => {
        const uids = cluster.releaseDeadReplicas(now());
        if (uids.length > 0) {
          reloadAgents(uids);
          log.warn({ agents: uids.length }, 'agents of a replica that is gone are recorded as disconnected');
        }
      },
    }),
    cluster.schedule({
      name: 'http-liveness',
      everyMs: JOB_MS.httpLiveness,
      run: () => {
        const t = now();
        const uids = d.store.agents.markHttpOffline(t - httpTimeoutMs, t);
        for (const uid of uids) registry.markDisconnected(uid);
        if (uids.length > 0) reloadAgents(uids);
      },
    }),
  ];
  // Every replica writes the polls it answered at the sweep's cadence, so the database is current enough for it.
  const httpPolls = setInterval(() => registry.flushHttpLiveness(), JOB_MS.httpLiveness);
  httpPolls.unref();
  log.info('joined the cluster');

  return {
    id: cluster.replicaId,
    advertise: (opampUrl, controlUrl) => cluster.advertise({ opampUrl, controlUrl }),
    health: () => ({
      id: cluster.replicaId,
      jobs: cluster.heldJobs(),
      replicas: cluster.replicas().map((r) => ({ id: r.id, alive: r.alive, opampUrl: r.opampUrl, self: r.self })),
    }),
    stop: () => {
      clearInterval(httpPolls);
      unsubscribe();
      for (const s of stops) s();
    },
  };
}
