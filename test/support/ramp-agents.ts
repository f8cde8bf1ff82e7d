/**
 * A connect ramp from another process: `tsx test/support/ramp-agents.ts <ws url> <token> <agents> <per second>`.
 * Each simulated agent connects, sends its full state at once and waits up to 10 s for the reply
 * (it sends nothing else, so a lost first message is never answered);
 * prints `{"agents":N,"answered":N,"slowestMs":ms}` and exits. Used where the server's own
 * process must not be the client (a client in the same process hides races between processes).
 */
import { SimulatedAgent } from '../../src/demo/simulated-agent.js';

const [url, token, count, rate] = process.argv.slice(2);
const n = Number(count);
const gapMs = 1_000 / Number(rate);
const agents: SimulatedAgent[] = [];
const waits: Array<Promise<number>> = [];
for (let i = 0; i < n; i++) {
  const a = new SimulatedAgent({ url: url!, token: token! });
  agents.push(a);
  const t0 = performance.now();
  waits.push(
    Promise.race([a.start().then(() => performance.now() - t0), new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000))]),
  );
  await new Promise((resolve) => setTimeout(resolve, gapMs));
}
const times = await Promise.all(waits);
const answered = times.filter((t) => Number.isFinite(t));
process.stdout.write(`${JSON.stringify({ agents: n, answered: answered.length, slowestMs: Math.round(Math.max(0, ...answered)) })}\n`);
await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
process.exit(0);
