/**
 * @module `ampgate ca ...`: ampgate's certificate authority on the local disk (these commands read
 * and write files next to the database, not the REST API, because the CA key never leaves the host).
 *   init               create the CA (ECDSA P-256, key mode 0600) or import the operator's CA files;
 *                      --server-cert also issues the OpAMP listener's certificate
 *   show               CA, listener certificate and staged certificate, by fingerprint
 *   server-cert        issue a listener certificate from the CA
 *   stage-server-cert  stage the next listener certificate for a `server_certificate` rotation
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSettings } from '../config.js';
import { caExists, caFiles, CertificateAuthority, initCa, writePublicFile, writeSecretFile } from '../creds/ca.js';
import { loadStaged, stageServerCert, stagedPaths } from '../creds/staged-tls.js';
import { certFingerprint, generateKeyPair, parseCertificates, privateKeyPem } from '../creds/x509.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

interface Out {
  (line: string): void;
}

export function registerCaCommands(program: Command, out: Out): void {
  const ca = program.command('ca').description("ampgate's certificate authority for agent client certificates (local files, next to the database)");
  registerInit(ca, out);
  registerShow(ca, out);
  registerServerCert(ca, out);
  registerStage(ca, out);
}

function registerInit(ca: Command, out: Out): void {
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
    .action(async (o: { db?: string; cn: string; years: string; importCert?: string; importKey?: string; serverCert?: boolean; hostname: string[]; force?: boolean }) => {
      const settings = loadSettings(process.env, { dbPath: o.db });
      const files = caFiles(settings);
      if ((o.importCert === undefined) !== (o.importKey === undefined)) throw new Error('--import-cert and --import-key go together');
      const importFrom = o.importCert && o.importKey ? { certFile: o.importCert, keyFile: o.importKey } : undefined;
      const { created, ca: authority } = await initCa(files, { commonName: o.cn, years: Number(o.years), importFrom, force: o.force });
      out(`${created ? 'created' : 'kept the existing'} CA ${authority.cert.subject}`);
      out(`  certificate: ${files.certFile}\n  key:         ${files.keyFile} (mode 0600)\n  sha256:      ${authority.fingerprint}`);
      if (o.serverCert) await issueServer(settings.dbPath, authority, o.hostname, 398, undefined, out);
      out('\nTo require client certificates from agents:\n  AMPGATE_AGENT_AUTH=mtls (with AMPGATE_TLS_CERT and AMPGATE_TLS_KEY set)');
    });
}

function registerShow(ca: Command, out: Out): void {
  ca.command('show')
    .description('show the CA, the listener certificate and any staged certificate (fingerprints only)')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .action((o: { db?: string }) => {
      const settings = loadSettings(process.env, { dbPath: o.db });
      const files = caFiles(settings);
      out(caExists(files) ? describeFile('CA', files.certFile) : `no CA at ${files.certFile} (run \`ampgate ca init\`)`);
      if (settings.tlsCertFile) out(describeFile('listener certificate', settings.tlsCertFile));
      const staged = loadStaged(settings.dbPath);
      if (staged) out(`staged server certificate: ${staged.subject}, sha256 ${staged.fingerprint}, until ${staged.notAfter.toISOString()}`);
    });
}

function registerServerCert(ca: Command, out: Out): void {
  ca.command('server-cert')
    .description('issue a certificate for the OpAMP listener from the CA')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .option('--hostname <name>', 'DNS name or IP (repeatable; default localhost, 127.0.0.1, ::1)', collect, [])
    .option('--days <n>', 'validity in days', '398')
    .option('--out <dir>', 'directory for server.crt and server.key (default <db dir>/tls)')
    .action(async (o: { db?: string; hostname: string[]; days: string; out?: string }) => {
      const settings = loadSettings(process.env, { dbPath: o.db });
      await issueServer(settings.dbPath, await CertificateAuthority.load(caFiles(settings)), o.hostname, Number(o.days), o.out, out);
    });
}

function registerStage(ca: Command, out: Out): void {
  ca.command('stage-server-cert')
    .description('stage the next listener certificate; a rotate_credentials change with credential "server_certificate" switches to it')
    .option('--db <path>', 'database file (AMPGATE_DB)')
    .option('--cert <file>', 'certificate (PEM, with intermediates)')
    .option('--key <file>', 'its private key (PEM)')
    .option('--ca <file>', 'CA bundle that verifies it (default: derived: self-signed, or issued by ampgate\'s CA)')
    .option('--issue', "issue it from ampgate's CA instead of --cert/--key")
    .option('--hostname <name>', 'with --issue: DNS name or IP (repeatable)', collect, [])
    .option('--days <n>', 'with --issue: validity in days', '398')
    .action(async (o: { db?: string; cert?: string; key?: string; ca?: string; issue?: boolean; hostname: string[]; days: string }) => {
      const settings = loadSettings(process.env, { dbPath: o.db });
      const authority = caExists(caFiles(settings)) ? await CertificateAuthority.load(caFiles(settings)) : undefined;
      let certPem: string;
      let keyPem: string;
      if (o.issue) {
        if (!authority) throw new Error('no CA: run `ampgate ca init` first');
        ({ certPem, keyPem } = await serverPair(authority, o.hostname, Number(o.days)));
      } else {
        if (!o.cert || !o.key) throw new Error('give --cert and --key, or --issue');
        certPem = readFileSync(o.cert, 'utf8');
        keyPem = readFileSync(o.key, 'utf8');
      }
      const staged = stageServerCert(settings.dbPath, certPem, keyPem, o.ca ? readFileSync(o.ca, 'utf8') : undefined, authority);
      out(`staged ${staged.subject} (sha256 ${staged.fingerprint}) in ${dirname(stagedPaths(settings.dbPath).certFile)}`);
      out('Propose the switch with a change request: kind rotate_credentials, params {"credential":"server_certificate"}.');
    });
}

async function serverPair(ca: CertificateAuthority, hostnames: string[], days: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await ca.issueServer(hostnames.length > 0 ? hostnames : DEFAULT_HOSTS, keys.publicKey, days);
  return { certPem: `${cert.toString('pem')}\n${ca.chainPem}`, keyPem: await privateKeyPem(keys.privateKey) };
}

async function issueServer(dbPath: string, ca: CertificateAuthority, hostnames: string[], days: number, dir: string | undefined, out: Out): Promise<void> {
  const { certPem, keyPem } = await serverPair(ca, hostnames, days);
  const target = dir ?? join(dirname(dbPath), 'tls');
  const certFile = join(target, 'server.crt');
  const keyFile = join(target, 'server.key');
  writeSecretFile(keyFile, keyPem);
  writePublicFile(certFile, certPem);
  out(`issued the listener certificate for ${(hostnames.length > 0 ? hostnames : DEFAULT_HOSTS).join(', ')}`);
  out(`  AMPGATE_TLS_CERT=${certFile}\n  AMPGATE_TLS_KEY=${keyFile}`);
}

function describeFile(label: string, file: string): string {
  const [c] = parseCertificates(readFileSync(file, 'utf8'));
  return `${label}: ${c!.subject} (issuer ${c!.issuer}), sha256 ${certFingerprint(c!.rawData)}, until ${c!.notAfter.toISOString()}\n  ${file}`;
}
