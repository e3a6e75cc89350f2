/**
 * Certificates for the simulator, generated with the system `openssl` into a fresh temp dir at start:
 *
 * - `good`: our CA + a leaf for every simulated host name. Chromium trusts ONLY this leaf, through
 *   `--ignore-certificate-errors-spki-list=<spki>` (the SHA-256 of the leaf's public key, base64).
 * - `bad`: a second, independent CA + leaf with its own key (not in the SPKI list). Served in the
 *   `tls-intercept` mode, it makes Chromium fail with net::ERR_CERT_AUTHORITY_INVALID, the way a
 *   TLS-inspecting proxy or "security" software without its root installed does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Names the leaves cover. Wildcards cover one label only, hence the deeper ones. */
export const CERT_NAMES = [
  'taobao.com',
  '*.taobao.com',
  '*.m.taobao.com',
  'alicdn.com',
  '*.alicdn.com',
  'aliyun.com',
  '*.aliyun.com',
  '*.console.aliyun.com',
  'aliyuncs.com',
  '*.aliyuncs.com',
  '*.cn-hangzhou.aliyuncs.com',
  '*.oss-cn-hangzhou.aliyuncs.com',
  'yuque.com',
  '*.yuque.com',
  'nlark.com',
  '*.nlark.com',
  '*.alipayobjects.com',
  'tmall.com',
  '*.tmall.com',
  'www.baidu.com',
  'www.qq.com',
  'www.163.com',
  'www.bing.com',
  'doh.pub',
  'dns.alidns.com',
  'localhost',
];

export interface LeafPair {
  /** PEM of the CA that issued the leaf. */
  caCert: string;
  /** PEM key + chain (leaf then CA) for node:tls. */
  key: string;
  cert: string;
  /** base64(SHA-256(SubjectPublicKeyInfo DER)) of the leaf, for --ignore-certificate-errors-spki-list. */
  spki: string;
}

export interface SimCerts {
  dir: string;
  good: LeafPair;
  bad: LeafPair;
  /** Remove the temp dir. */
  cleanup(): void;
}

function openssl(args: string[], cwd: string, input?: string): Buffer {
  return execFileSync('openssl', args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function makePair(dir: string, prefix: string, caName: string): LeafPair {
  const p = (f: string) => join(dir, `${prefix}-${f}`);
  // CA
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${caName}/O=Faultline simulator`,
      '-keyout',
      p('ca.key'),
      '-out',
      p('ca.pem'),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  // Leaf
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=*.taobao.com',
      '-keyout',
      p('leaf.key'),
      '-out',
      p('leaf.csr'),
    ],
    dir,
  );
  const ext = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${[...CERT_NAMES.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}`,
  ].join('\n');
  writeFileSync(p('leaf.ext'), ext + '\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      p('leaf.csr'),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      p('leaf.ext'),
      '-out',
      p('leaf.pem'),
    ],
    dir,
  );
  const pubDer = openssl(['pkey', '-in', p('leaf.key'), '-pubout', '-outform', 'DER'], dir);
  const spki = openssl(['dgst', '-sha256', '-binary'], dir, pubDer as unknown as string);
  const caCert = readFileSync(p('ca.pem'), 'utf8');
  return {
    caCert,
    key: readFileSync(p('leaf.key'), 'utf8'),
    cert: readFileSync(p('leaf.pem'), 'utf8') + caCert,
    spki: spki.toString('base64'),
  };
}

/** Generate both CAs and leaves (~100 ms). */
export function generateCerts(): SimCerts {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-sim-ca-'));
  const good = makePair(dir, 'good', 'Faultline Simulator CA');
  const bad = makePair(dir, 'bad', 'Corporate TLS Inspection CA (untrusted)');
  return { dir, good, bad, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
