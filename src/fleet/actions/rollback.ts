/**
 * @module Rollback of a rollout: the proposal(s) for NEW config_push change requests that put back,
 * on every agent the rollout reached, the config ampgate had assigned to it before. Usually that is
 * one catalog version, hence one proposal; agents that came from different versions get one
 * proposal per version. Each proposal carries `rollbackOf`, so executing it marks the rolled-back
 * attempts and they are never re-offered automatically. The proposals are plain ProposalInput
 * fields, so REST, CLI, MCP and Slack can offer "roll back" the same way.
 */
import { AmpgateError, notFound } from '../../shared/errors.js';
import type { ConfigsStore } from '../../store/ports/configs.js';
import type { RemoteConfigStore } from '../../store/ports/remote-config.js';
import type { RolloutsStore } from '../../store/ports/rollouts.js';
import type { DesiredConfigs } from '../remote-config/desired-state.js';

export interface RollbackProposal {
  readonly kind: 'config_push';
  readonly target: { readonly agents: readonly string[] };
  readonly params: {
    readonly config: string;
    readonly version: number;
    readonly canary: string;
    readonly bakeSeconds: number;
    readonly rollbackOf: string;
  };
  readonly reason: string;
}

export interface RollbackPlan {
  readonly changeId: string;
  readonly rollout: string;
  readonly proposals: readonly RollbackProposal[];
  /** Agents the rollout reached that these proposals do not cover, with why. */
  readonly notCovered: ReadonlyArray<{ readonly uid: string; readonly reason: string }>;
}

export interface RollbackDeps {
  readonly rollouts: RolloutsStore;
  readonly attempts: RemoteConfigStore;
  readonly desired: DesiredConfigs;
  readonly configs: ConfigsStore;
}

export function rollbackPlan(deps: RollbackDeps, changeId: string): RollbackPlan {
  const r = deps.rollouts.get(changeId);
  if (r?.kind !== 'config_push') throw notFound(`config rollout of change ${changeId}`);
  if (r.state === 'running')
    throw new AmpgateError('conflict', `the rollout of ${changeId} is still running; it can be rolled back once it halts or completes`);
  const groups = new Map<string, string[]>();
  const notCovered: Array<{ uid: string; reason: string }> = [];
  for (const t of deps.rollouts.targets(changeId)) {
    if (t.attempt_id === null) continue; // never sent: nothing to undo
    const attempt = deps.attempts.attempt(t.attempt_id)!;
    const current = deps.desired.get(t.uid);
    if (current && current.change_id !== changeId) {
      notCovered.push({ uid: t.uid, reason: `its config was changed since by change ${current.change_id}` });
      continue;
    }
    if (attempt.previous_hash === null) {
      notCovered.push({ uid: t.uid, reason: 'ampgate had assigned it no config before this rollout; push the config it should run explicitly' });
      continue;
    }
    let g = groups.get(attempt.previous_hash);
    if (!g) groups.set(attempt.previous_hash, (g = []));
    g.push(t.uid);
  }
  const proposals: RollbackProposal[] = [];
  for (const [hash, uids] of groups) {
    const v = deps.configs.versionByHash(hash);
    if (!v) {
      const label = deps.attempts.payload(hash)?.label ?? hash.slice(0, 12);
      for (const uid of uids) notCovered.push({ uid, reason: `its previous config (${label}) is not a catalog version` });
      continue;
    }
    proposals.push({
      kind: 'config_push',
      target: { agents: uids },
      params: { config: v.name, version: v.version, canary: '100%', bakeSeconds: 0, rollbackOf: changeId },
      reason: `Roll back change ${changeId} (${r.label}): restore ${v.name} v${v.version} on ${uids.length} agent${uids.length === 1 ? '' : 's'}${
        r.halt_reason ? ` after: ${r.halt_reason}` : ''
      }`.slice(0, 500),
    });
  }
  return { changeId, rollout: r.label, proposals, notCovered };
}
