/**
 * @module `ampgate ca ...`: ampgate's certificate authority on the local disk (these commands read
 * and write files next to the database, not the REST API, because the CA key never leaves the host).
 *   init               create the CA (ECDSA P-256, key mode 0600) or import the operator's CA files;
 *                      --server-cert also issues the OpAMP listener's certificate
 *   show               CA, listener certificate and staged certificate, by fingerprint
 *   server-cert        issue a listener certificate from the CA
 *   stage-server-cert  stage the next listener certificate for a `server_certificate` rotation
 * The actions (src/cli/ca-actions.ts) load the X.509 library, so they are imported only when a
 * `ca` command runs: every other command starts without that cost.
 */
import type { Command } from 'commander';

const collect = (v: string, prev: string[]) => [...prev, v];
const actions = () => import('./ca-actions.js');

export type Out = (line: string) => void;

export function registerCaCommands(program: Command, out: Out): void {
  const ca = program.command('ca').description("ampgate's certificate authority for agent client certificates (local files, next to the database)");
  ca.command('init')
    .description('create the CA (or import yours with --import-cert/--import-key); keeps an existing one unless --force')
    .option('--db <path>', 'database file; the CA goes to <its dir>/ca/ (AMPGATE_DB)')
    .option('--cn <name>', 'CA common name', 'ampgate agent CA')
    .option('--years <n>', 'CA validity in years', '10')
    .option('--import-cert <file>', "use the operator's CA certificate (PEM) instead of generating one")
    .option('--import-key <file>', "the operator's CA key (PEM: PKCS#8, SEC1 or PKCS#1)")
    .option('--server-cert', 'also issue the OpAMP listener certificate (see `ampgate ca server-cert`)')
    .option('--hostname <name>', 'DNS name or IP for --server-cert (repeatable; default localhost, 127.0.0.1, ::1)', collect, [])
    .option('--force', 'replace an existing CA (every client certificate it issued stops working)')
    .action(async (o) => (await actions()).initAction(o, out));
  ca.command('show')
    .description('show the CA, the listener certificate and any staged certificate (fingerprints only)')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .action(async (o) => (await actions()).showAction(o, out));
  ca.command('server-cert')
    .description('issue a certificate for the OpAMP listener from the CA')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .option('--hostname <name>', 'DNS name or IP (repeatable; default localhost, 127.0.0.1, ::1)', collect, [])
    .option('--days <n>', 'validity in days', '398')
    .option('--out <dir>', 'directory for server.crt and server.key (default <db dir>/tls)')
    .action(async (o) => (await actions()).serverCertAction(o, out));
  ca.command('stage-server-cert')
    .description('stage the next listener certificate; a rotate_credentials change with credential "server_certificate" switches to it')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .option('--cert <file>', 'certificate (PEM, with intermediates)')
    .option('--key <file>', 'its private key (PEM)')
    .option('--ca <file>', "CA bundle that verifies it (default: derived: self-signed, or issued by ampgate's CA)")
    .option('--issue', "issue it from ampgate's CA instead of --cert/--key")
    .option('--hostname <name>', 'with --issue: DNS name or IP (repeatable)', collect, [])
    .option('--days <n>', 'with --issue: validity in days', '398')
    .action(async (o) => (await actions()).stageAction(o, out));
}
