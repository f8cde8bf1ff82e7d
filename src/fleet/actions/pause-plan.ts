/**
 * @module How each agent is paused, decided from its latest message: the io.opentelemetry.pause
 * custom capability when listed, else a stand-in "nothing runs" config for agents with
 * AcceptsRemoteConfig whose current config ampgate knows (the APPLIED remote config, or the
 * reported effective config), else not at all (ineligible, with the reason).
 */
import { createHash } from 'node:crypto';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { AgentRecord } from '../agent-state.js';
import { effectiveFiles } from '../configs/catalog.js';
import { configMapHash, type ConfigFiles } from '../configs/hash.js';
import { pauseConfigFor, type PauseConfig } from '../configs/pause-config.js';
import { PAUSE_CAPABILITY, type PauseState } from '../pause/pause-state.js';
import type { DesiredConfigs } from '../remote-config/desired-state.js';

export type PauseMethodPlan =
  | { readonly method: 'custom' }
  | {
      readonly method: 'config';
      /** The config the agent runs now, restored on resume. */
      readonly prior: { readonly hash: string; readonly files: ConfigFiles; readonly label: string; readonly captured: boolean };
      readonly pause: PauseConfig;
    };

const acceptsRemoteConfig = (a: AgentRecord) => hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig);

/** The config an agent runs now, as far as ampgate can tell. */
function currentConfig(agent: AgentRecord, desired: DesiredConfigs): { hash: string; files: ConfigFiles; label: string; captured: boolean } | undefined {
  const st = agent.remoteConfigStatus;
  if (st?.status === 'APPLIED' && st.hash !== '') {
    const p = desired.payload(st.hash);
    if (p) return { hash: st.hash, files: p.files, label: p.label, captured: false };
  }
  const eff = effectiveFiles(agent);
  if (eff && Object.keys(eff).length > 0) {
    return { hash: configMapHash(eff), files: eff, label: `captured effective config of ${agent.uid}`, captured: true };
  }
  return undefined;
}

/** The pause method for an agent, or the reason it cannot be paused. */
export function pauseMethod(agent: AgentRecord, pause: PauseState, desired: DesiredConfigs): PauseMethodPlan | { readonly reason: string } {
  const row = pause.get(agent.uid);
  if (row && row.state !== 'resuming') return { reason: `already paused (change ${row.change_id})` };
  if (agent.customCapabilities.includes(PAUSE_CAPABILITY)) return { method: 'custom' };
  if (!acceptsRemoteConfig(agent)) return { reason: `has neither the ${PAUSE_CAPABILITY} custom capability nor AcceptsRemoteConfig in its latest message` };
  // A stand-in pause is confirmed by the effective config (nothing runs), so the agent must report it.
  if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig)) {
    return { reason: `lacks ${PAUSE_CAPABILITY} and ReportsEffectiveConfig: ampgate could not prove that a stand-in config stops it` };
  }
  const prior = currentConfig(agent, desired);
  if (!prior)
    return {
      reason:
        'lacks io.opentelemetry.pause, and ampgate cannot tell which config it runs (no APPLIED remote config, no effective config reported) to ' +
        'restore on resume',
    };
  const stand = pauseConfigFor(prior.files);
  if ('reason' in stand) return { reason: `lacks io.opentelemetry.pause, and ${stand.reason}` };
  if (stand.hash === prior.hash) return { reason: 'already runs the ampgate pause config' };
  return { method: 'config', prior, pause: stand };
}

/** Fingerprint of the per-agent methods an approval of a pause vouches for. */
export function methodsFingerprint(entries: ReadonlyArray<{ uid: string; method: string; extra?: string }>): string {
  const h = createHash('sha256');
  for (const e of [...entries].sort((a, b) => (a.uid < b.uid ? -1 : 1))) h.update(`${e.uid}|${e.method}|${e.extra ?? ''}\n`);
  return h.digest('hex');
}
