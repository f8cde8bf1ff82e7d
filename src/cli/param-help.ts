/**
 * @module The `--param` keys each change kind accepts, for `ampgate changes propose --help`. Kept
 * here as text so that help does not load the executors; param-help.test.ts checks these keys
 * against the executors' parameter schemas, so the list cannot drift from what the server takes.
 */
import type { ChangeKind } from '../changes/types.js';

export const PARAM_KEYS: Record<ChangeKind, ReadonlyArray<readonly [key: string, help: string]>> = {
  config_push: [
    ['config', 'config name in the catalog (required)'],
    ['version', 'version number (default: the latest, pinned at proposal time)'],
    ['canary', 'agents in the first stage: a count or a percentage like "10%" (default 10%, at least 1)'],
    ['bakeSeconds', 'wait after each stage before the next (default 30)'],
    ['stageTimeoutSeconds', 'time a stage gets to report APPLIED (default 300)'],
    ['pendingWaitSeconds', 'time offline agents get to come back (default 60)'],
    ['rollbackOf', 'set by `ampgate rollouts rollback`: the change this push rolls back'],
  ],
  pause: [
    ['timeoutSeconds', 'time connected agents get to confirm (default 120)'],
    ['pendingWaitSeconds', 'then time offline agents get to come back (default 60)'],
  ],
  resume: [
    ['timeoutSeconds', 'time connected agents get to confirm (default 120)'],
    ['pendingWaitSeconds', 'then time offline agents get to come back (default 60)'],
  ],
  restart: [['timeoutSeconds', 'time for the command to be delivered and the restart seen (default 120)']],
  rotate_credentials: [
    ['credential', 'token | certificate | server_certificate (default token)'],
    ['reconnectTimeoutSeconds', 'time an agent gets to reconnect with the new credential (default 120)'],
  ],
};

export function paramHelp(): string {
  const width = Math.max(...Object.values(PARAM_KEYS).flatMap((ks) => ks.map(([k]) => k.length)));
  const lines = ['Parameters (--param key=value) by kind:'];
  for (const [kind, keys] of Object.entries(PARAM_KEYS)) {
    lines.push(`  ${kind}:`);
    for (const [k, help] of keys) lines.push(`    ${k.padEnd(width)}  ${help}`);
  }
  return lines.join('\n');
}
