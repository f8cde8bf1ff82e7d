/**
 * @module The actions of `ampgate ca ...` (registered in src/cli/ca.ts). They work on the files
 * next to the database and print paths and fingerprints, never key material.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSettings } from '../config.js';
import { caExists, caFiles, CertificateAuthority, initCa, writePublicFile, writeSecretFile } from '../creds/ca.js';
import { loadStaged, stageServerCert, stagedPaths } from '../creds/staged-tls.js';
import { certFingerprint, generateKeyPair, parseCertificates, privateKeyPem } from '../creds/x509.js';
import type { Out } from './ca.js';
import { UsageError } from './errors.js';

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

export async function initAction(
  o: { db?: string; cn: string; years: string; importCert?: string; importKey?: string; serverCert?: boolean; hostname: string[]; force?: boolean },
  out: Out,
): Promise<void> {
  const settings = loadSettings(process.env, { dbPath: o.db });
  const files = caFiles(settings);
  if ((o.importCert === undefined) !== (o.importKey === undefined)) throw new UsageError('--import-cert and --import-key go together');
  const importFrom = o.importCert && o.importKey ? { certFile: o.importCert, keyFile: o.importKey } : undefined;
  const { created, ca } = await initCa(files, { commonName: o.cn, years: Number(o.years), importFrom, force: o.force });
  out(`${created ? 'created' : 'kept the existing'} CA ${ca.cert.subject}`);
  out(`  certificate: ${files.certFile}\n  key:         ${files.keyFile} (mode 0600)\n  sha256:      ${ca.fingerprint}`);
  if (o.serverCert) await issueServer(settings.dataDir, ca, o.hostname, 398, undefined, out);
  out('\nTo require client certificates from agents:\n  AMPGATE_AGENT_AUTH=mtls (with AMPGATE_TLS_CERT and AMPGATE_TLS_KEY set)');
}

export function showAction(o: { db?: string }, out: Out): void {
  const settings = loadSettings(process.env, { dbPath: o.db });
  const files = caFiles(settings);
  out(caExists(files) ? describeFile('CA', files.certFile) : `no CA at ${files.certFile} (run \`ampgate ca init\`)`);
  if (settings.tlsCertFile) out(describeFile('listener certificate', settings.tlsCertFile));
  const staged = loadStaged(settings.dataDir);
  if (staged) out(`staged server certificate: ${staged.subject}, sha256 ${staged.fingerprint}, until ${staged.notAfter.toISOString()}`);
}

export async function serverCertAction(o: { db?: string; hostname: string[]; days: string; out?: string }, out: Out): Promise<void> {
  const settings = loadSettings(process.env, { dbPath: o.db });
  await issueServer(settings.dataDir, await CertificateAuthority.load(caFiles(settings)), o.hostname, Number(o.days), o.out, out);
}

export async function stageAction(
  o: { db?: string; cert?: string; key?: string; ca?: string; issue?: boolean; hostname: string[]; days: string },
  out: Out,
): Promise<void> {
  const settings = loadSettings(process.env, { dbPath: o.db });
  const authority = caExists(caFiles(settings)) ? await CertificateAuthority.load(caFiles(settings)) : undefined;
  let certPem: string;
  let keyPem: string;
  if (o.issue) {
    if (!authority) throw new UsageError('no CA: run `ampgate ca init` first');
    ({ certPem, keyPem } = await serverPair(authority, o.hostname, Number(o.days)));
  } else {
    if (!o.cert || !o.key) throw new UsageError('give --cert and --key, or --issue');
    certPem = readFileSync(o.cert, 'utf8');
    keyPem = readFileSync(o.key, 'utf8');
  }
  const staged = stageServerCert(settings.dataDir, certPem, keyPem, o.ca ? readFileSync(o.ca, 'utf8') : undefined, authority);
  out(`staged ${staged.subject} (sha256 ${staged.fingerprint}) in ${dirname(stagedPaths(settings.dataDir).certFile)}`);
  out('Propose the switch with a change request: kind rotate_credentials, params {"credential":"server_certificate"}.');
}

async function serverPair(ca: CertificateAuthority, hostnames: string[], days: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await ca.issueServer(hostnames.length > 0 ? hostnames : DEFAULT_HOSTS, keys.publicKey, days);
  return { certPem: `${cert.toString('pem')}\n${ca.chainPem}`, keyPem: await privateKeyPem(keys.privateKey) };
}

async function issueServer(dataDir: string, ca: CertificateAuthority, hostnames: string[], days: number, dir: string | undefined, out: Out): Promise<void> {
  const { certPem, keyPem } = await serverPair(ca, hostnames, days);
  const target = dir ?? join(dataDir, 'tls');
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
