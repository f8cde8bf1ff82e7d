/**
 * Global setup of `npm run test:pg` (vitest.pg.config.ts): starts a throwaway PostgreSQL cluster on
 * 127.0.0.1 with scripts/pg-cluster.sh, hands its URL to the suites (AMPGATE_TEST_PG_URL) and
 * removes it at the end. Fails at once, saying what to install, when PostgreSQL is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'pg-cluster.sh');

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ampgate-pg-'));
  let url: string;
  try {
    url = execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`npm run test:pg needs PostgreSQL's server binaries (Debian: apt-get install postgresql): ${stderr || (err as Error).message}`);
  }
  process.env.AMPGATE_TEST_PG_URL = url;
  return () => {
    execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  };
}
