// Test helper: a throwaway self-signed certificate (made with the openssl CLI) for TLS servers
// on 127.0.0.1 that tests reach under made-up names through a proxy.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCert {
  key: Buffer
  cert: Buffer
}

/** A key and a certificate valid for each of `names` (DNS names, or IPv4 addresses) for two days. */
export function selfSignedCert(names: readonly string[]): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'ocu-cert-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        `/CN=${names[0]}`,
        '-addext',
        `subjectAltName=${names.map(name => (/^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')}`
      ],
      { stdio: 'ignore' }
    )
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
