/**
 * Child process for crash tests of the change engine: builds the engine on `<dir>/ampgate.db` with
 * the test executor and 4 agents, proposes a restart of agents 1-3 (one approval needed), has bob
 * approve it, and kills itself with SIGKILL at the point named by `<mode>`:
 *
 * - `before-effects`: inside execute(), after the approved->executing commit, before any effect;
 * - `mid-execution`:  after the first agent's effect, before the second;
 * - `held`:           right after the approval was held by a change freeze (policy in argv[4]).
 *
 * Usage: node --import tsx test/support/change-child.ts <dir> <mode> [policy-json] [now-ms]
 */
import { alice, bob, engineFixture, uid } from './changes.js';

const [dir, mode, policyJson, nowText] = process.argv.slice(2);
if (!dir || !mode) throw new Error('usage: change-child.ts <dir> <mode> [policy-json] [now-ms]');
const die = (why: string): never => {
  process.stdout.write(`KILL ${why}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const fx = engineFixture(dir, {
  agents: 4,
  policy: policyJson ? (JSON.parse(policyJson) as unknown) : {},
  now: nowText ? Number(nowText) : Date.now(),
  executor: {
    beforeEffect: (u) => {
      if (mode === 'before-effects' && u === uid(1)) die('before the first effect');
      if (mode === 'mid-execution' && u === uid(2)) die('after the first effect');
    },
  },
});
const { request } = await fx.engine.propose(alice, {
  kind: 'restart',
  target: { agents: [uid(1), uid(2), uid(3)] },
  params: {},
  reason: 'crash test',
  channel: 'rest',
});
process.stdout.write(`PROPOSED ${request.id}\n`);
const approved = await fx.engine.approve(bob, request.id, { channel: 'rest' });
process.stdout.write(`APPROVED ${approved.id} ${approved.state}\n`);
if (mode === 'held') die(`held: ${approved.hold?.reason}`);
// Modes that kill inside execute() never get here; keep the process alive until they do.
setTimeout(() => die('timeout: the executor never reached the kill point'), 10_000);
