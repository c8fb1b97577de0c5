import * as fs from 'fs';
import * as path from 'path';
import { Certificates, makeCertificates as makeLocalCertificates } from '../../src/local/platform/tls';

/** A throwaway CA and a server certificate for localhost / 127.0.0.1 / ::1 (the local stack's generator). */
export interface TestCertificates extends Certificates {
  readonly dir: string;
}

export function makeCertificates(dir: string): TestCertificates {
  return { dir, ...makeLocalCertificates(dir) };
}

/**
 * Copies of the certificates in a server's own directory: PostgreSQL and PgBouncer run as a
 * service user, who cannot read the test's directory.
 */
export function certificatesIn(dir: string, certs: Certificates): Certificates {
  const tls = path.join(dir, 'tls');
  fs.mkdirSync(tls);
  const copy = (file: string) => {
    const to = path.join(tls, path.basename(file));
    fs.copyFileSync(file, to);
    return to;
  };
  return { ...certs, certFile: copy(certs.certFile), keyFile: copy(certs.keyFile), caFile: copy(certs.caFile) };
}
