/**
 * kill -9 of `ampgate serve` during a staged rollout to 100 agents (the soak suite runs 1,000):
 * after a restart on the same database every agent converges to the approved config, nothing is
 * sent twice on one connection or again to agents that had applied it, no approval or audit row is
 * lost, and the audit chain verifies (also offline with `ampgate audit verify --db`).
 */
import { afterEach, describe, it } from 'vitest';
import { killDuringRollout, expectRecovered } from '../support/crash-rollout.js';
import { removeDir, tempDir } from '../support/server.js';

let dir: string | undefined;

afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

describe('crash safety: kill -9 during a rollout', () => {
  it('converges 100 agents to the approved config after a restart, sending nothing twice and losing nothing', async () => {
    dir = tempDir();
    const r = await killDuringRollout({ dir, agents: 100, killAt: 0.3, timeoutMs: 60_000 });
    console.log(
      'crash rollout',
      JSON.stringify({
        agents: 100,
        appliedAtKill: r.appliedAtKill.size,
        killedAfterMs: r.killedAfterMs,
        recoveredInMs: r.recoveredInMs,
        auditRows: [r.auditBefore.length, r.auditAfter.length],
      }),
    );
    await expectRecovered(r);
  }, 120_000);
});
