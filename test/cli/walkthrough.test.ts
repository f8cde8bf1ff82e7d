/**
 * The README's "Your first five minutes", run as written: the commands are read from the README
 * itself, each terminal is a bash session of its own (variables carry over between its lines, as
 * in a shell), `npx ampgate` is the built binary, and the one placeholder is filled the way a
 * person fills it, from the output they just read. Only the ports differ (free ones, so that the
 * test runs beside others); the demo finds the OpAMP endpoint by asking the server, as it would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_MAIN, cliEnv } from '../support/cli.js';
import { removeDir, tempDir } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The walk-through's terminals: their command lines (comments dropped, continuations joined). */
function walkthroughTerminals(readme: string): string[][] {
  const section = readme.slice(readme.indexOf('## Your first five minutes'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const terminals: string[][] = [];
  for (const raw of block.replace(/\\\n\s*/g, '').split('\n')) {
    if (/^# Terminal \d/.test(raw)) terminals.push([]);
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line && !line.startsWith('#')) terminals.at(-1)!.push(line);
  }
  return terminals;
}

interface Step {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One terminal: a directory and the environment its earlier lines left behind. */
class Terminal {
  env: Record<string, string>;
  constructor(
    readonly dir: string,
    env: Record<string, string | undefined>,
  ) {
    this.env = cliEnv(env) as Record<string, string>;
  }

  /** The line as bash runs it: `npx ampgate` is the built binary; variables survive the line. */
  #script(line: string, envFile?: string): string {
    const command = line.replaceAll('npx ampgate', `node ${CLI_MAIN}`);
    return envFile ? `set -a\n${command}\nrc=$?\nenv -0 > ${envFile}\nexit $rc\n` : `set -a\nexec ${command}\n`;
  }

  async run(line: string): Promise<Step> {
    const envFile = join(this.dir, '.env-after');
    const child = spawn('bash', ['-c', this.#script(line, envFile)], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const step = await collect(child);
    this.env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    return step;
  }

  /** A line that runs until Ctrl-C (the server, the demo), started in the background. */
  background(line: string): Background {
    return new Background(spawn('bash', ['-c', this.#script(line)], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }
}

class Background {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Step>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })));
  }

  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this[stream]);
      if (m) return m;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} on ${stream}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ctrl-C. */
  interrupt(): Promise<Step> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.exited;
  }
}

function collect(child: ChildProcess): Promise<Step> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const running: Background[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const b of running.splice(0).reverse()) {
    if (b.child.exitCode === null) b.child.kill('SIGKILL');
    await b.exited;
  }
  if (dir) removeDir(dir);
  dir = undefined;
});

describe('README: your first five minutes', () => {
  it('runs as written: server, demo fleet, propose, self-approval refused, approve, rollout, audit', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const terminals = walkthroughTerminals(readme);
    // The commands this test follows, in order; if the README changes, this changes with it.
    expect(terminals).toEqual([
      ['npx ampgate serve'],
      ['set -a; . ./data/first-start-secrets; set +a', 'npx ampgate demo'],
      [
        'set -a; . ./data/first-start-secrets; set +a',
        'npx ampgate agents',
        'npx ampgate configs push-version checkout-gw --file docs/demo/checkout-gw.yaml -m "bigger batches"',
        "ALICE=$(npx ampgate tokens create --db ./data/ampgate.db --name alice --role approver | sed -n 's/^secret (shown once): //p')",
        "BOB=$(npx ampgate tokens create --db ./data/ampgate.db --name bob --role approver | sed -n 's/^secret (shown once): //p')",
        'AMPGATE_TOKEN=$ALICE npx ampgate changes propose config_push -s service.name=checkout,deployment.environment=prod -p config=checkout-gw -p ' +
          'bakeSeconds=5 --reason "bigger batches for the sale"',
        'AMPGATE_TOKEN=$ALICE npx ampgate changes approve 1',
        'AMPGATE_TOKEN=$BOB npx ampgate changes show 1',
        'AMPGATE_TOKEN=$BOB npx ampgate changes approve 1 --fingerprint <the first 12 characters of the fingerprint> --wait',
        'npx ampgate rollouts show 1',
        'npx ampgate audit verify',
      ],
    ]);
    const [t1, t2, t3] = terminals as [string[], string[], string[]];

    // "Run it from the checkout": a fresh one, with the checkout's docs/ (the example config).
    dir = tempDir('ampgate-walkthrough-');
    symlinkSync(join(ROOT, 'docs'), join(dir, 'docs'));

    // Terminal 1. Free ports instead of 4320/4321.
    const term1 = new Terminal(dir, { AMPGATE_OPAMP_LISTEN: '127.0.0.1:0', AMPGATE_CONTROL_LISTEN: '127.0.0.1:0' });
    const server = term1.background(t1[0]!);
    running.push(server);
    const url = (await server.waitFor('stderr', /control plane: (\S+)/))[1]!;
    expect(statSync(join(dir, 'data', 'first-start-secrets')).mode & 0o777).toBe(0o600);

    // Terminal 2: the demo fleet.
    const term2 = new Terminal(dir, { AMPGATE_URL: url });
    expect((await term2.run(t2[0]!)).code).toBe(0);
    expect(term2.env.AMPGATE_TOKEN).toMatch(/^ampk_/);
    const demo = term2.background(t2[1]!);
    running.push(demo);
    await demo.waitFor('stdout', /demo fleet: 12 agents connected/);

    // Terminal 3: you, alice and bob.
    const term3 = new Terminal(dir, { AMPGATE_URL: url });
    const out: Step[] = [];
    for (const line of t3.slice(0, 8)) {
      const step = await term3.run(line);
      out.push(step);
    }
    const [secrets, agents, pushed, alice, bob, proposed, selfApproval, shown] = out as [Step, Step, Step, Step, Step, Step, Step, Step];
    expect(secrets.code).toBe(0);
    expect(agents.stdout).toMatch(/12 of 12 agents\n$/);
    expect(agents.stdout.match(/ online /g)).toHaveLength(12);
    expect(pushed.stdout).toMatch(/^created checkout-gw v1 \(config hash [0-9a-f]{64}\)/);
    expect([alice.code, bob.code]).toEqual([0, 0]);
    expect(term3.env.ALICE).toMatch(/^ampk_/);
    expect(term3.env.BOB).toMatch(/^ampk_/);
    expect(term3.env.ALICE).not.toBe(term3.env.BOB);

    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toMatch(/^proposed change 1\n/);
    expect(proposed.stdout).toContain('-> 2 eligible, 0 ineligible');
    expect(proposed.stdout).toMatch(/requester: +alice /);
    expect(proposed.stdout).toMatch(/^diff for 2 agent\(s\)/m);
    expect(proposed.stdout).toContain('-    send_batch_size: 512\n+    send_batch_size: 2048');

    expect(selfApproval.code).toBe(2);
    expect(selfApproval.stderr).toMatch(/^ampgate: self-approval is not allowed: you proposed request 1/);

    expect(shown.stdout).toMatch(/^change 1: config_push, pending/);
    const fingerprint = /^ {2}fingerprint: +([0-9a-f]{64})/m.exec(shown.stdout)![1]!;
    // The one placeholder, filled as a person would: from the output just read.
    const approveLine = t3[8]!.replace('<the first 12 characters of the fingerprint>', fingerprint.slice(0, 12));
    const approved = await term3.run(approveLine);
    expect(approved.stderr).toBe('');
    expect(approved.stdout.trim()).toBe('change 1 approved; now succeeded (1/1 approvals): applied on 2/2.');
    expect(approved.code).toBe(0);

    const rollout = await term3.run(t3[9]!);
    expect(rollout.stdout).toMatch(/^checkout-gw v1: completed, stage 2\/2\napplied: 2\n/);
    expect(rollout.stdout.match(/ applied +yes +APPLIED; effective config [0-9a-f]{12}/g)).toHaveLength(2);
    const audit = await term3.run(t3[10]!);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^audit log OK: \d+ rows verified/);

    // The demo narrated what its agents were told, and stops cleanly on Ctrl-C.
    await demo.waitFor('stdout', /checkout-\d+ \(\S+\): applied a new remote config[\s\S]*checkout-\d+ \(\S+\): applied a new remote config/);
    const demoEnd = await demo.interrupt();
    expect(demoEnd.code).toBe(0);
    expect(demoEnd.stdout).toMatch(/demo fleet stopped\n$/);
    expect(demoEnd.stderr).toBe('');
    // Its agents said goodbye, and the enrollment token it made for them is revoked.
    const after = await term3.run('npx ampgate --json enrollment list');
    const tokens = (JSON.parse(after.stdout) as { tokens: Array<{ revokedAt: string | null }> }).tokens;
    expect(tokens.filter((t) => t.revokedAt === null)).toHaveLength(1);
    expect(JSON.parse((await term3.run('npx ampgate --json agents --connected')).stdout)).toMatchObject({ total: 0 });

    const serverEnd = await server.interrupt();
    expect(serverEnd.code).toBe(0);
  }, 120_000);
});
