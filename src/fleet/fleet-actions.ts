/**
 * @module Composition of the fleet actions (issue 4): the config catalog, desired remote config
 * with its offer provider, staged rollouts, pause/resume and restart. `createFleetActions` builds
 * them over one database, registers their offer providers with the Fleet, and returns the change
 * executors for the engine plus the REST route group. Nothing here acts on agents by itself: every
 * effect starts from an executor the change-request engine runs after approval; the providers
 * only deliver (and re-deliver after reconnects) the desired state those executors stored.
 */
import type { AuditRecorder } from '../changes/audit.js';
import type { ChangeExecutor } from '../changes/types.js';
import type { Logger } from '../log.js';
import { CommandsRepo } from '../store/commands-repo.js';
import { ConfigsRepo } from '../store/configs-repo.js';
import type { Db } from '../store/db.js';
import { PauseRepo } from '../store/pause-repo.js';
import { RemoteConfigRepo } from '../store/remote-config-repo.js';
import { RolloutsRepo, type RolloutRow } from '../store/rollouts-repo.js';
import { ConfigPushExecutor } from './actions/config-push.js';
import { PauseExecutor } from './actions/pause.js';
import { ResumeExecutor } from './actions/resume.js';
import { RestartExecutor } from './actions/restart.js';
import { rollbackPlan, type RollbackPlan } from './actions/rollback.js';
import { RolloutRunner } from './actions/rollout-runner.js';
import { agentRemoteConfigView, rolloutSummary, rolloutView, type TargetPage } from './actions/views.js';
import { ConfigCatalog } from './configs/catalog.js';
import type { Fleet } from './fleet.js';
import { PauseProvider } from './pause/pause-provider.js';
import { PauseState } from './pause/pause-state.js';
import type { AgentRegistry } from './registry.js';
import { DesiredConfigs } from './remote-config/desired-state.js';
import { RemoteConfigProvider } from './remote-config/provider.js';
import { RestartCommands } from './restart/restart-commands.js';

export interface FleetActionsDeps {
  readonly db: Db;
  readonly fleet: Fleet;
  readonly registry: AgentRegistry;
  readonly logger: Logger;
  /** Where catalog uploads are audited (the change engine's audit log). */
  readonly audit?: AuditRecorder;
  readonly now?: () => number;
}

export interface FleetActions {
  readonly catalog: ConfigCatalog;
  readonly desired: DesiredConfigs;
  readonly pause: PauseState;
  readonly restarts: RestartCommands;
  readonly runner: RolloutRunner;
  readonly rollouts: RolloutsRepo;
  /** config_push, pause, resume, restart: register these with the change-request engine. */
  readonly executors: readonly ChangeExecutor[];
  /** Proposal inputs that roll back a halted or finished rollout (see actions/rollback.ts). */
  rollbackPlan(changeId: string): RollbackPlan;
  rolloutView(changeId: string, page?: TargetPage): ReturnType<typeof rolloutView>;
  listRollouts(limit?: number): Array<{ changeId: string; kind: string; label: string; state: string; stage: number; stageCount: number; haltReason: string | null; startedAt: string }>;
  agentRemoteConfig(uid: string): ReturnType<typeof agentRemoteConfigView>;
  /** Flushes batched writes and detaches from registry events (call before closing the db). */
  close(): void;
}

export function createFleetActions(deps: FleetActionsDeps): FleetActions {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ component: 'fleet-actions' });
  const { db, fleet, registry } = deps;
  const configs = new ConfigsRepo(db);
  const attempts = new RemoteConfigRepo(db);
  const rollouts = new RolloutsRepo(db);
  const catalog = new ConfigCatalog(configs, attempts, now, deps.audit ? { audit: deps.audit, logger } : undefined);
  const desired = new DesiredConfigs(attempts, registry, logger, now);
  const pause = new PauseState(new PauseRepo(db), registry, logger, now);
  pause.watchConfigFallback(desired);
  const restarts = new RestartCommands(new CommandsRepo(db), registry, logger, now);

  fleet.addProvider(restarts);
  fleet.addProvider(new RemoteConfigProvider(desired));
  fleet.addProvider(new PauseProvider(pause));

  const runner = new RolloutRunner({ desired, registry, fleet, rollouts, attempts, logger, now });
  const common = { registry, fleet, now };
  const executors: ChangeExecutor[] = [
    new ConfigPushExecutor({ desired, registry, fleet, rollouts, attempts, logger, now, catalog, pause, runner }),
    new PauseExecutor({ ...common, desired, pause }),
    new ResumeExecutor({ ...common, desired, pause }),
    new RestartExecutor({ ...common, commands: restarts }),
  ];

  const listStmt = db.prepare('SELECT * FROM rollouts ORDER BY started_at DESC LIMIT ?');
  return {
    catalog,
    desired,
    pause,
    restarts,
    runner,
    rollouts,
    executors,
    rollbackPlan: (changeId) => rollbackPlan({ rollouts, attempts, desired, configs }, changeId),
    rolloutView: (changeId, page) => rolloutView(changeId, { rollouts, runner, desired }, page),
    listRollouts: (limit = 50) => (listStmt.all(limit) as RolloutRow[]).map(rolloutSummary),
    agentRemoteConfig: (uid) => agentRemoteConfigView(uid, { registry, desired, pause }),
    close: () => {
      desired.close();
      pause.close();
      restarts.close();
    },
  };
}
