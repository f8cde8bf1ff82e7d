/**
 * @module Composition of the fleet actions (issue 4): the config catalog, desired remote config
 * with its offer provider, staged rollouts, pause/resume and restart. `createFleetActions` builds
 * them over the store, registers their offer providers with the Fleet, and returns the change
 * executors for the engine plus the REST route group. Nothing here acts on agents by itself: every
 * effect starts from an executor the change-request engine runs after approval; the providers
 * only deliver (and re-deliver after reconnects) the desired state those executors stored.
 */
import type { AuditRecorder } from '../changes/audit.js';
import type { ChangeExecutor } from '../changes/types.js';
import type { Logger } from '../shared/log.js';
import type { RolloutsStore } from '../store/ports/rollouts.js';
import type { Store } from '../store/ports/store.js';
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
  readonly store: Pick<Store, 'uow' | 'configs' | 'remoteConfig' | 'rollouts' | 'pause' | 'commands'>;
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
  readonly rollouts: RolloutsStore;
  /** config_push, pause, resume, restart: register these with the change-request engine. */
  readonly executors: readonly ChangeExecutor[];
  /** Proposal inputs that roll back a halted or finished rollout (see actions/rollback.ts). */
  rollbackPlan(changeId: string): RollbackPlan;
  rolloutView(changeId: string, page?: TargetPage): ReturnType<typeof rolloutView>;
  listRollouts(
    limit?: number,
  ): Array<{ changeId: string; kind: string; label: string; state: string; stage: number; stageCount: number; haltReason: string | null; startedAt: string }>;
  agentRemoteConfig(uid: string): ReturnType<typeof agentRemoteConfigView>;
  /** Flushes batched writes and detaches from registry events (call before closing the db). */
  close(): void;
}

export function createFleetActions(deps: FleetActionsDeps): FleetActions {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ component: 'fleet-actions' });
  const { store, fleet, registry } = deps;
  const { uow, configs, remoteConfig: attempts, rollouts } = store;
  const catalog = new ConfigCatalog(configs, attempts, uow, now, deps.audit ? { audit: deps.audit, logger } : undefined);
  const desired = new DesiredConfigs(attempts, uow, registry, logger, now);
  const pause = new PauseState(store.pause, uow, registry, logger, now);
  pause.watchConfigFallback(desired);
  const restarts = new RestartCommands(store.commands, registry, logger, now);

  fleet.addProvider(restarts);
  fleet.addProvider(new RemoteConfigProvider(desired));
  fleet.addProvider(new PauseProvider(pause));

  const runner = new RolloutRunner({ desired, registry, fleet, rollouts, attempts, uow, logger, now });
  const common = { registry, fleet, now, uow };
  const executors: ChangeExecutor[] = [
    new ConfigPushExecutor({ desired, registry, fleet, rollouts, attempts, uow, logger, now, catalog, pause, runner }),
    new PauseExecutor({ ...common, desired, pause }),
    new ResumeExecutor({ ...common, desired, pause }),
    new RestartExecutor({ ...common, commands: restarts }),
  ];

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
    listRollouts: (limit = 50) => rollouts.list(limit).map(rolloutSummary),
    agentRemoteConfig: (uid) => agentRemoteConfigView(uid, { registry, desired, pause }),
    close: () => {
      desired.close();
      pause.close();
      restarts.close();
    },
  };
}
