/**
 * `ampgate ca` on real files: init creates the CA with a 0600 key (and the listener certificate),
 * keeps an existing CA, imports an operator's CA after checking it, and the result serves an mTLS
 * listener. The commands run in-process on a fresh commander program.
 */
import { Command } from 'commander';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caFiles } from '../../src/creds/ca.js';
import { registerCaCommands } from '../../src/cli/ca.js';
import { removeDir, startTestServer, tempDir, type TestServer, ENROLLMENT_TOKEN } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

const dirs: string[] = [];
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const d of dirs.splice(0)) removeDir(d);
});

async function ca(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const program = new Command('ampgate').exitOverride();
  registerCaCommands(program, (l) => lines.push(l));
  await program.parseAsync(['node', 'ampgate', 'ca', ...args]);
  return lines.join('\n');
}

describe('ampgate ca', () => {
  it('init creates the CA (key 0600) and the listener certificate; a second init keeps it; show prints fingerprints only', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = join(dir, 'ampgate.db');
    const out = await ca('init', '--db', db, '--server-cert', '--hostname', '127.0.0.1');
    const files = caFiles({ dataDir: dirname(db) });
    expect(out).toMatch(/^created CA CN=ampgate agent CA/);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls', 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
    expect(out).not.toMatch(/PRIVATE KEY/);
    const certBefore = readFileSync(files.certFile, 'utf8');
    expect(await ca('init', '--db', db)).toMatch(/^kept the existing CA/);
    expect(readFileSync(files.certFile, 'utf8')).toBe(certBefore);
    const shown = await ca('show', '--db', db);
    expect(shown).toMatch(/CA: CN=ampgate agent CA .*sha256 [0-9a-f]{64}/);
    expect(shown).not.toMatch(/PRIVATE KEY/);

    // The files serve an mTLS listener that agents verify with the CA.
    server = await startTestServer({ agentAuth: 'mtls', tlsCertFile: join(dir, 'tls', 'server.crt'), tlsKeyFile: join(dir, 'tls', 'server.key') }, dir);
    const agent = new TestAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: { ca: certBefore } });
    await agent.start();
    await agent.close();
  });

  it('imports an operator CA after checking it, and refuses a key that does not match', async () => {
    const src = tempDir();
    const dst = tempDir();
    dirs.push(src, dst);
    await ca('init', '--db', join(src, 'a.db'), '--cn', 'Operator CA');
    const op = caFiles({ dataDir: src });
    expect(await ca('init', '--db', join(dst, 'b.db'), '--import-cert', op.certFile, '--import-key', op.keyFile)).toMatch(/^created CA CN=Operator CA/);
    expect(readFileSync(caFiles({ dataDir: dst }).certFile, 'utf8')).toBe(readFileSync(op.certFile, 'utf8'));

    const other = tempDir();
    dirs.push(other);
    await ca('init', '--db', join(other, 'c.db'));
    const wrongKey = join(other, 'wrong.key');
    writeFileSync(wrongKey, readFileSync(caFiles({ dataDir: other }).keyFile));
    const third = tempDir();
    dirs.push(third);
    await expect(ca('init', '--db', join(third, 'd.db'), '--import-cert', op.certFile, '--import-key', wrongKey)).rejects.toThrow(/is not the private key of/);
  });
});
