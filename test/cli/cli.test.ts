/**
 * The `ampgate` binary as a user meets it (dist/cli/main.js in a child process, against an
 * in-process server): version, help with examples, the --param keys per kind and the exit codes;
 * what a command loads; errors with every validation problem (also with --json); uid prefixes;
 * preview details under their own heading; no expiry on finished requests; friendly empty tables.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { uidFromString } from '../../src/protocol/uid.js';
import { PARAM_KEYS } from '../../src/cli/param-help.js';
import { CLI_MAIN, runCli } from '../support/cli.js';
import { AgentPool, collectorConfig } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, removeDir, startTestServer, type TestServer } from '../support/server.js';
import type { TestAgent } from '../support/ws-agent.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACE_HOOK = join(ROOT, 'test', 'support', 'module-trace.mjs');

let server: TestServer | undefined;
const pool = new AgentPool();
afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

const as = (s: TestServer, token: string) => ({ AMPGATE_URL: s.controlUrl, AMPGATE_TOKEN: token });

const agent = (s: TestServer, uid: string, service: string): Promise<TestAgent> =>
  pool.startRestartable(s, { uid: uidFromString(uid), identifying: { 'service.name': service } });

describe('ampgate (the built binary)', () => {
  it('prints its version, help with examples and exit codes, and the --param keys of every kind', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    // The package's bin is the built file, executable on its own (its shebang), built by `npm ci` (prepare).
    expect(join(ROOT, pkg.bin.ampgate!)).toBe(CLI_MAIN);
    expect(statSync(CLI_MAIN).mode & 0o111).toBe(0o111);
    expect(execFileSync(CLI_MAIN, ['--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
    expect(pkg.scripts.prepare).toBe('npm run -s build');
    expect(pkg.scripts.build).toContain("chmodSync('dist/cli/main.js', 0o755)");

    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\nExamples:\n {2}ampgate serve /);
    expect(help.stdout).toMatch(
      /\nExit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 .*\n(?: .*\n)* {2}3 {2}not authenticated.*\n {2}4 {2}the server could not be reached/,
    );
    expect(help.stdout).toContain('demo [options]');

    const propose = await runCli(['changes', 'propose', '--help']);
    for (const [kind, keys] of Object.entries(PARAM_KEYS)) {
      const section = new RegExp(`\\n {2}${kind}:\\n((?: {4}.*\\n)+)`).exec(propose.stdout);
      expect(section, kind).not.toBeNull();
      expect(
        section![1]!
          .split('\n')
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/)[0]),
      ).toEqual(keys.map(([k]) => k));
    }
    expect(propose.stdout).toMatch(/\nExamples:\n {2}ampgate changes propose restart --agents 0190f3c4 /);

    const unknown = await runCli(['changes', 'propose', 'restart', '--reason', 'x', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option '--bogus'\n\(ampgate --help lists the commands/);
  });

  it('starts without loading the server: --help and a REST command load neither Fastify, SQLite, Slack, MCP nor zod', async () => {
    const s = (server = await startTestServer());
    for (const args of [['--help'], ['changes', 'list'], ['agents']]) {
      const trace = join(s.dir, `trace-${args.join('-')}.txt`);
      const r = await runCli(args, { env: { ...as(s, ADMIN_TOKEN), MODULE_TRACE_FILE: trace }, nodeArgs: ['--import', TRACE_HOOK] });
      expect(r.code, r.stderr).toBe(0);
      const loaded = readFileSync(trace, 'utf8');
      expect(loaded).toContain('/dist/cli/main.js');
      for (const heavy of [
        '/dist/app.js',
        '/node_modules/fastify/',
        '/node_modules/better-sqlite3/',
        '/node_modules/@slack/',
        '/node_modules/@modelcontextprotocol/',
        '/node_modules/zod/',
        '/node_modules/pino/',
      ]) {
        expect(loaded, `${args.join(' ')} loaded ${heavy}`).not.toContain(heavy);
      }
    }
  });

  it('ends with the documented exit codes, and shows every validation problem (with --json as one JSON document)', async () => {
    const s = (server = await startTestServer());
    const alice = s.apiTokens.create('alice', 'proposer').secret;

    const noAuth = await runCli(['agents'], { env: as(s, 'ampk_not-a-token-0123456789abcdef') });
    expect(noAuth.code).toBe(3);
    expect(noAuth.stderr).toBe('ampgate: missing or invalid bearer token\n');
    const down = await runCli(['agents'], { env: { AMPGATE_URL: 'http://127.0.0.1:1', AMPGATE_TOKEN: alice } });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/^ampgate: cannot reach ampgate at http:\/\/127\.0\.0\.1:1/);
    const missing = await runCli(['changes', 'show', '999'], { env: as(s, alice) });
    expect(missing.code).toBe(2);

    // A config with three problems: every one is listed with its line, not just the first.
    const file = join(s.dir, 'gw.yaml');
    writeFileSync(
      file,
      'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [zipkin]\n      processors: [batch]\n   ' +
        '   exporters: [kafka]\n',
    );
    const bad = await runCli(['configs', 'push-version', 'gw', '--file', file], { env: as(s, alice) });
    expect(bad.code).toBe(2);
    const problems = bad.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).toMatch(/^ {2}- line \d+(, column \d+)?: /);
    expect(bad.stderr).toMatch(/zipkin[\s\S]*batch[\s\S]*kafka/);

    const badJson = await runCli(['--json', 'configs', 'push-version', 'gw', '--file', file], { env: as(s, alice) });
    expect(badJson.code).toBe(2);
    const doc = JSON.parse(badJson.stdout) as { error: { status: number; code: string; details: { problems: Array<{ message: string; line: number }> } } };
    expect(doc.error).toMatchObject({ status: 422, code: 'unprocessable' });
    expect(doc.error.details.problems).toHaveLength(3);

    // Parameter problems too: an unknown key and an out-of-range value, both reported.
    await s.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug'), contentType: 'text/yaml' });
    await agent(s, '0190f3c4-0000-7000-8000-00000000000a', 'checkout');
    const params = await runCli(
      ['changes', 'propose', 'config_push', '-s', 'service.name=checkout', '-p', 'config=gw', '-p', 'bogus=1', '-p', 'bakeSeconds=-5', '--reason', 'x'],
      { env: as(s, alice) },
    );
    expect(params.code).toBe(2);
    const paramProblems = params.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(paramProblems).toHaveLength(2);
    expect(params.stderr).toMatch(/bogus/);
    expect(params.stderr).toMatch(/params\.bakeSeconds/);
    expect(s.changes.list({}).total).toBe(0);
  });

  it('accepts a unique uid prefix, names the candidates of an ambiguous one, and puts preview details and expiry where they belong', async () => {
    const s = (server = await startTestServer());
    const alice = s.apiTokens.create('alice', 'proposer').secret;
    const bob = s.apiTokens.create('bob', 'approver').secret;
    const a = await agent(s, '0190f3c4-0000-7000-8000-0000000a0000', 'checkout');
    const b = await agent(s, '0190f3c4-0000-7000-8000-00000000000b', 'checkout');
    const c = await agent(s, '7abcdef0-0000-7000-8000-00000000000c', 'payments');

    const one = await runCli(['agent', '7abc'], { env: as(s, alice) });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^uid: +${c.uidText}\\n`));
    const ambiguous = await runCli(['agent', '0190F3C4'], { env: as(s, alice) });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe(`ampgate: "0190F3C4" matches 2 agents; type more of the uid:\n  ${b.uidText}\n  ${a.uidText}\n`);
    const none = await runCli(['agent', 'ffff'], { env: as(s, alice) });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('ampgate: no agent uid starts with "ffff" (list them with `ampgate agents`)\n');

    const proposed = await runCli(['changes', 'propose', 'restart', '--agents', `${a.uidText.slice(0, 32)},7abc`, '--reason', 'stuck exporters'], {
      env: as(s, alice),
    });
    expect(proposed.code, proposed.stderr).toBe(0);
    expect(s.changes.get('1')!.target).toEqual({ agents: [a.uidText, c.uidText] });

    const pending = (await runCli(['changes', 'show', '1'], { env: as(s, bob) })).stdout;
    expect(pending).toMatch(/^ {2}created: +\S+ \(\d+s ago\), expires \S+ \(in 30m\)$/m);
    // Details have their own heading; the label breakdown holds labels only.
    expect(pending).toMatch(/\ndetails:\n {2}risk: .*\n {2}connected: 2\n/);
    const labels = /\nlabels:\n((?: {2}.*\n)+)/.exec(pending)![1]!;
    expect(labels).toBe('  service.name: checkout=1, payments=1\n');

    const approved = await runCli(['changes', 'approve', '1', '--wait'], { env: as(s, bob) });
    expect(approved.stdout).toMatch(/^change 1 approved; now succeeded/);
    const done = (await runCli(['changes', 'show', '1'], { env: as(s, bob) })).stdout;
    expect(done).toMatch(/^change 1: restart, succeeded/);
    expect(done).not.toMatch(/expires/);
    expect(done).toMatch(/^ {2}finished: +\S+ \(\d+s ago\)$/m);
  });

  it('says so in words when a table would be empty', async () => {
    const s = (server = await startTestServer());
    const env = as(s, ADMIN_TOKEN);
    expect((await runCli(['agents'], { env })).stdout).toBe(
      'no agents yet: connect one (see "Connecting agents" in the README), or start a simulated fleet with `ampgate demo`\n',
    );
    expect((await runCli(['agents', '--connected'], { env })).stdout).toBe('no agents match\n');
    expect((await runCli(['changes'], { env })).stdout).toBe('no change requests yet: propose one with `ampgate changes propose`\n');
    expect((await runCli(['changes', '--open'], { env })).stdout).toBe('no change requests match\n');
    expect((await runCli(['configs'], { env })).stdout).toBe('no configs yet: add one with `ampgate configs push-version <name> --file <path>`\n');
    expect((await runCli(['rollouts'], { env })).stdout).toBe('no rollouts yet: a rollout starts when a change request is approved\n');
  });
});
