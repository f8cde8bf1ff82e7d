/**
 * Agent behaviours for the fleet-action suites: pause/resume and restart come from the demo's
 * simulated agent (src/demo/behaviours.ts); counting remote-config offers is for tests only.
 */
import type { ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import type { TestAgent } from './ws-agent.js';

export { PAUSE_CAPABILITY, withPause, withRestart, type PauseBehaviour, type RestartBehaviour } from '../../src/demo/behaviours.js';

/** Remote-config offers received, per config hash (hex). */
export function offersByHash(agent: TestAgent): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of agent.received as ServerToAgent[]) {
    if (!m.remoteConfig) continue;
    const h = Buffer.from(m.remoteConfig.configHash).toString('hex');
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}
