/**
 * Soak: kill -9 of `ampgate serve` during a staged rollout to 1,000 agents; the same checks as
 * test/reliability/crash-rollout.test.ts (convergence, nothing twice, nothing lost, audit verifies).
 */
import { afterEach, describe, it } from 'vitest';
import { killDuringRollout, expectRecovered } from '../support/crash-rollout.js';
import { removeDir, tempDir } from '../support/server.js';

const AGENTS = Number(process.env.AMPGATE_SOAK_CRASH_AGENTS ?? 1_000);
let dir: string | undefined;

afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

describe('soak: kill -9 during a rollout', () => {
  it(`converges ${AGENTS} agents after a restart, sending nothing twice and losing nothing`, async () => {
    dir = tempDir();
    const r = await killDuringRollout({ dir, agents: AGENTS, killAt: 0.3, timeoutMs: 300_000 });
    console.log(
      'soak crash rollout',
      JSON.stringify({
        agents: AGENTS,
        appliedAtKill: r.appliedAtKill.size,
        killedAfterMs: r.killedAfterMs,
        recoveredInMs: r.recoveredInMs,
        auditRows: [r.auditBefore.length, r.auditAfter.length],
      }),
    );
    await expectRecovered(r);
  });
});
