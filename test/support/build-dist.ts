/**
 * Vitest global setup: the CLI suites and the benchmark smoke run use the built binary
 * (dist/cli/main.js), as a user would. Builds it first when it is missing or stale.
 */
import { ensureDist } from '../../bench/lib/dist.js';

export { CLI_MAIN } from '../../bench/lib/dist.js';

export default function setup(): void {
  ensureDist();
}
