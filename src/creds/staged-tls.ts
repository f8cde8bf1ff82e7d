/**
 * @module The next server certificate, staged on disk until a server_certificate rotation switches
 * to it (`<data dir>/tls/next/server.crt|server.key|ca.pem`), and the CA bundle ampgate offers to
 * agents once it switched (`<data dir>/tls/agent-trust.pem`). Written by `ampgate ca
 * stage-server-cert`, read and promoted by src/creds/server-cert-rotation.ts.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CertificateAuthority } from './ca.js';
import { writePublicFile, writeSecretFile } from './ca.js';
import { deriveTrust, chainsTo } from './server-tls.js';
import { certFingerprint, parseCertificates } from './x509.js';

export interface StagedPaths {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export function stagedPaths(dataDir: string): StagedPaths {
  const dir = join(dataDir, 'tls', 'next');
  return { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.pem') };
}

/** The bundle agents are told to trust after a switch (used when AMPGATE_TLS_SERVER_CA is unset). */
export function managedTrustFile(dataDir: string): string {
  return join(dataDir, 'tls', 'agent-trust.pem');
}

export interface StagedServerCert {
  readonly certPem: string;
  readonly keyPem: string;
  /** CA bundle that verifies the staged certificate (offered to agents before the switch). */
  readonly trustPem: string;
  readonly fingerprint: string;
  readonly subject: string;
  readonly notAfter: Date;
}

/** Checks a certificate/key pair for the listener; returns why it is unusable, or undefined. */
function serverCertProblem(certPem: string, keyPem: string, now = Date.now()): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'the certificate is not PEM X.509';
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not belong to the certificate';
  } catch {
    return 'the key is not a PEM private key';
  }
  if (Date.parse(cert.validTo) <= now) return `the certificate expired on ${cert.validTo}`;
  return undefined;
}

/** Stages the next server certificate after checking it (key file mode 0600). */
export function stageServerCert(dataDir: string, certPem: string, keyPem: string, caPem: string | undefined, ca?: CertificateAuthority): StagedServerCert {
  const problem = serverCertProblem(certPem, keyPem);
  if (problem) throw new Error(problem);
  const trust = caPem ?? deriveTrust(certPem, ca);
  if (!trust) throw new Error('cannot tell which CA verifies this certificate: pass its CA bundle (--ca)');
  if (!chainsTo(certPem, trust)) throw new Error('the certificate does not chain to the given CA bundle');
  const p = stagedPaths(dataDir);
  writeSecretFile(p.keyFile, keyPem);
  writePublicFile(p.certFile, certPem);
  writePublicFile(p.caFile, trust);
  return loadStaged(dataDir)!;
}

export function loadStaged(dataDir: string): StagedServerCert | undefined {
  const p = stagedPaths(dataDir);
  if (!existsSync(p.certFile) || !existsSync(p.keyFile) || !existsSync(p.caFile)) return undefined;
  const certPem = readFileSync(p.certFile, 'utf8');
  const keyPem = readFileSync(p.keyFile, 'utf8');
  const problem = serverCertProblem(certPem, keyPem);
  if (problem) throw new Error(`staged server certificate: ${problem}`);
  const leaf = parseCertificates(certPem)[0]!;
  return {
    certPem,
    keyPem,
    trustPem: readFileSync(p.caFile, 'utf8'),
    fingerprint: certFingerprint(leaf.rawData),
    subject: leaf.subject,
    notAfter: leaf.notAfter,
  };
}

/**
 * Makes the staged certificate the active one: the files at AMPGATE_TLS_CERT/KEY are replaced
 * (the previous ones kept as .prev), the new bundle becomes what agents are offered, and the
 * staging directory is removed. The caller then hot-swaps the listener's secure context.
 */
export function promoteStaged(dataDir: string, staged: StagedServerCert, active: { certFile: string; keyFile: string }, trustFile: string): void {
  for (const f of [active.certFile, active.keyFile]) if (existsSync(f)) copyFileSync(f, `${f}.prev`);
  writeSecretFile(active.keyFile, staged.keyPem);
  writePublicFile(active.certFile, staged.certPem);
  writePublicFile(trustFile, staged.trustPem);
  rmSync(dirname(stagedPaths(dataDir).certFile), { recursive: true, force: true });
}
