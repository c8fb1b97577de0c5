import { Certificates, makeCertificates as makeLocalCertificates } from '../../src/local/platform/tls';

/** A throwaway CA and a server certificate for localhost / 127.0.0.1 / ::1 (the local stack's generator). */
export interface TestCertificates extends Certificates {
  readonly dir: string;
}

export function makeCertificates(dir: string): TestCertificates {
  return { dir, ...makeLocalCertificates(dir) };
}
