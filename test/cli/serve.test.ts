/**
 * `ampgate serve` as the built binary: a taken port fails in one line and creates no secret (the
 * next start creates and shows them); stdout is the JSON-lines log only, the banner and notices
 * are on stderr, and first-start secrets are only in their 0600 file.
 */
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli, spawnCli } from '../support/cli.js';
import { removeDir, tempDir } from '../support/server.js';

const TRACE_HOOK = fileURLToPath(new URL('../support/module-trace.mjs', import.meta.url));
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) removeDir(d);
});

function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** Starts `ampgate serve`, waits for the banner, then stops it with SIGTERM; returns everything it wrote. */
async function serveOnce(env: Record<string, string>, nodeArgs?: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(['serve'], { env, ...(nodeArgs ? { nodeArgs } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('control plane:')) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

describe('ampgate serve', () => {
  it('with its port taken: one line, exit 2, and no secret created; the next start creates them', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const { server: holder, port } = await occupy();
    const env = { AMPGATE_DB: join(dir, 'ampgate.db'), AMPGATE_OPAMP_LISTEN: '127.0.0.1:0', AMPGATE_CONTROL_LISTEN: `127.0.0.1:${port}` };

    const failed = await runCli(['serve'], { env });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(
      `ampgate: cannot listen on 127.0.0.1:${port} for the control plane: the address is already in use (is another ampgate running?); choose another ` +
        `address with --control-listen or AMPGATE_CONTROL_LISTEN\n`,
    );
    expect(failed.stdout).not.toMatch(/ampk_|ampe_/);
    expect(existsSync(join(dir, 'first-start-secrets'))).toBe(false);

    // The agent listener too, named as such.
    const opamp = await runCli(['serve'], { env: { ...env, AMPGATE_OPAMP_LISTEN: `127.0.0.1:${port}`, AMPGATE_CONTROL_LISTEN: '127.0.0.1:0' } });
    expect(opamp.code).toBe(2);
    expect(opamp.stderr).toMatch(
      new RegExp(`^ampgate: cannot listen on 127\\.0\\.0\\.1:${port} for agents \\(OpAMP\\): the address is already in use.*AMPGATE_OPAMP_LISTEN\\n$`),
    );
    expect(existsSync(join(dir, 'first-start-secrets'))).toBe(false);

    await new Promise((r) => holder.close(r));
    servers.length = 0;
    const ok = await serveOnce(env);
    expect(ok.code).toBe(0);
    const file = join(dir, 'first-start-secrets');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^AMPGATE_TOKEN=ampk_\S+$/m);
    expect(text).toMatch(/^ENROLLMENT_TOKEN=ampe_\S+$/m);
    expect(ok.stderr).toContain(`they are in ${file} (mode 0600) and nowhere else`);
  }, 60_000);

  it('keeps stdout parseable: JSON-lines log there, banner on stderr, secrets only in the file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { AMPGATE_DB: join(dir, 'ampgate.db'), AMPGATE_OPAMP_LISTEN: '127.0.0.1:0', AMPGATE_CONTROL_LISTEN: '127.0.0.1:0', AMPGATE_LOG_LEVEL: 'info' };
    const first = await serveOnce(env);
    expect(first.code).toBe(0);

    const lines = first.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    const records = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['ampgate listening', 'shutting down', 'ampgate stopped']));
    expect(first.stderr).toMatch(/^ampgate is running\n {2}OpAMP agents: {2}ws:\/\/127\.0\.0\.1:\d+\/v1\/opamp/m);
    expect(first.stderr).not.toMatch(/^\{/m);

    const secrets = readFileSync(join(dir, 'first-start-secrets'), 'utf8');
    const admin = /^AMPGATE_TOKEN=(\S+)$/m.exec(secrets)![1]!;
    const enrollment = /^ENROLLMENT_TOKEN=(\S+)$/m.exec(secrets)![1]!;
    // stderr is not a terminal here, so the secrets are in neither stream.
    for (const stream of [first.stdout, first.stderr]) {
      expect(stream).not.toContain(admin);
      expect(stream).not.toContain(enrollment);
    }

    // Next start: nothing new is created; a reminder that the file still exists, on both streams.
    const second = await serveOnce(env);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`ampgate: ${join(dir, 'first-start-secrets')} still holds first-start secrets: store them, then delete it`);
    expect(
      second.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ).toContain('the first-start secrets file still exists: store the tokens it holds, then delete it');
    expect(readFileSync(join(dir, 'first-start-secrets'), 'utf8')).toBe(secrets);
  }, 60_000);

  it('refuses a bad value in one sentence, and warns about a misspelt variable with the valid name', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const bad = await runCli(['serve'], { env: { AMPGATE_DB: join(dir, 'ampgate.db'), AMPGATE_AGENT_AUTH: 'basic' } });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('ampgate: invalid settings: AMPGATE_AGENT_AUTH is set to "basic"; expected one of token, none, mtls\n');
    expect(existsSync(join(dir, 'ampgate.db'))).toBe(false);

    // Any command: the warning goes to stderr and the command goes on.
    const typo = await runCli(['agents'], { env: { AMPGATE_URL: 'http://127.0.0.1:1', AMPGATE_TOKN: 'ampk_x' } });
    expect(typo.code).toBe(4);
    expect(typo.stderr).toMatch(
      /^ampgate: warning: AMPGATE_TOKN is not an ampgate setting and is ignored; did you mean AMPGATE_TOKEN\?\nampgate: cannot reach ampgate/,
    );

    // serve also logs it, for whoever reads the log.
    const served = await serveOnce({
      AMPGATE_DB: join(dir, 'ampgate.db'),
      AMPGATE_OPAMP_LISTEN: '127.0.0.1:0',
      AMPGATE_CONTROL_LISTEN: '127.0.0.1:0',
      AMPGATE_CONTROL_LISTN: '127.0.0.1:9',
    });
    expect(served.code).toBe(0);
    expect(served.stderr).toContain('ampgate: warning: AMPGATE_CONTROL_LISTN is not an ampgate setting and is ignored; did you mean AMPGATE_CONTROL_LISTEN?');
    const logged = served.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; warning?: string });
    expect(logged.find((r) => r.msg === 'unknown AMPGATE_* variable')?.warning).toMatch(/^AMPGATE_CONTROL_LISTN .* did you mean AMPGATE_CONTROL_LISTEN\?$/);
  }, 60_000);

  it('listens without loading what only some requests need: MCP SDK, X.509 without TLS, PostgreSQL driver, YAML, diff', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const trace = join(dir, 'trace.txt');
    const env = { AMPGATE_DB: join(dir, 'ampgate.db'), AMPGATE_OPAMP_LISTEN: '127.0.0.1:0', AMPGATE_CONTROL_LISTEN: '127.0.0.1:0', MODULE_TRACE_FILE: trace };
    const run = await serveOnce(env, ['--import', TRACE_HOOK]);
    expect(run.code, run.stderr).toBe(0);
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toContain('/node_modules/fastify/');
    for (const later of [
      '/node_modules/@modelcontextprotocol/',
      '/node_modules/@peculiar/',
      '/node_modules/pg/',
      '/node_modules/yaml/',
      '/node_modules/diff/',
      '/dist/mcp/server.js',
    ]) {
      expect(loaded, `serve loaded ${later} before listening`).not.toContain(later);
    }
  }, 60_000);
});
