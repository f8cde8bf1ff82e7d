/**
 * @module The secrets ampgate creates on its first start (the initial admin API token and the
 * agent enrollment token) go to one file next to the database, created with mode 0600, and
 * nowhere else: not to the log stream, which process managers keep. The file can be sourced
 * (`set -a; . ./data/first-start-secrets; set +a`) to set AMPGATE_TOKEN for the CLI. The
 * operator stores the tokens and deletes the file; each start warns while it still exists.
 */
import { existsSync, openSync, closeSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const FIRST_START_FILE = 'first-start-secrets';

export interface FirstStartSecrets {
  readonly adminToken?: string;
  readonly enrollmentToken?: string;
}

/** Where the file lives for a database path: beside it. */
export function firstStartFile(dataDir: string): string {
  return join(dataDir, FIRST_START_FILE);
}

/** Writes the secrets (a fresh file, mode 0600 from creation on) and returns its path. */
export function writeFirstStartSecrets(dataDir: string, secrets: FirstStartSecrets, now = new Date()): string {
  const file = firstStartFile(dataDir);
  // A file left from an earlier database holds tokens that no longer work: replace it rather than
  // write into it, so that the mode is always 0600 from the first byte.
  if (existsSync(file)) unlinkSync(file);
  const lines = [
    `# ampgate first-start secrets, created ${now.toISOString()}. They are shown nowhere else.`,
    '# Store them (a password manager, your secret store), then delete this file.',
    // `.` looks a name without a slash up on PATH: always give it a path.
    `# \`set -a; . ${isAbsolute(file) ? file : `./${file}`}; set +a\` sets AMPGATE_TOKEN for the CLI in your shell.`,
  ];
  if (secrets.adminToken) lines.push('', '# Admin API token for the control plane (REST, CLI, web console, MCP).', `AMPGATE_TOKEN=${secrets.adminToken}`);
  if (secrets.enrollmentToken) {
    lines.push('', '# Agent enrollment token: agents send "Authorization: Bearer <it>" to the OpAMP endpoint.', `ENROLLMENT_TOKEN=${secrets.enrollmentToken}`);
  }
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  return file;
}
