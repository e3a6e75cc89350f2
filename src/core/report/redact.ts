/**
 * Redaction of everything the support-ticket export may carry (pure). Applied to every free text (the user's
 * note, evidence texts, browser errors, provider codes, request ids) and to every path.
 *
 * Credential forms, wherever they appear (in a URL or not, glued to other text or not):
 * - query strings of URLs (dropped whole: tokens, timestamps, session values);
 * - `Signature=…`, `x-oss-signature=…`, `X-Amz-Signature=…`, mtop `sign=…`;
 * - STS tokens: `SecurityToken=…`, `x-oss-security-token: …`, `x-acs-security-token`, `X-Amz-Security-Token`,
 *   and a bare `CAIS…` token;
 * - the signature of `Authorization: OSS <AccessKeyId>:<signature>` (also `acs`, `AWS`), `OSS4-HMAC-SHA256 …
 *   Signature=…`, `Bearer`/`Basic` credentials;
 * - JSON Web Tokens (`eyJ….eyJ….…`);
 * - AccessKey secrets (`AccessKeySecret=…`, `"accessKeySecret": "…"`);
 * - AccessKeyIds (`LTAI…`, `STS.…`) masked to their last 4 characters, even glued to other text;
 * - cookies after `Cookie:`.
 * Personal-looking path segments are shaped: the segment after a user directory (`/users/{user}/`, `~name`),
 * dotted names (`zhang.san` → `{name}`), non-Latin text (`张三.jpg` → `{text}.jpg`) and personal documents
 * (`passport-scan.jpg` → `{file}.jpg`).
 */

export const REDACTED = '[redacted]';

/** AccessKeyIds: `LTAI` + 12 or more, `STS.` + 10 or more; masked to their last 4 characters. */
const ACCESS_KEY_ID = /(LTAI|STS\.|AKID|AKLT)([A-Za-z0-9]{10,})/g;

export function maskAccessKeys(text: string): string {
  return text.replace(ACCESS_KEY_ID, (m, p: string, rest: string) =>
    p === 'LTAI' && rest.length < 12 ? m : p + '*'.repeat(Math.max(4, rest.length - 4)) + rest.slice(-4),
  );
}

/** One credential form: a pattern and what replaces it. */
interface Form {
  id: string;
  re: RegExp;
  to: string;
}

const VALUE = `[^\\s&"',;<>]+`;

/** Order matters: whole tokens first, then key=value forms, then the signature of a header value. */
export const CREDENTIAL_FORMS: readonly Form[] = [
  // JSON Web Token: three base64url parts, the first (header) a JSON object.
  { id: 'jwt', re: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, to: '[jwt]' },
  // An STS token by itself (they start with CAIS and are long), glued to other text or not.
  { id: 'sts-token', re: /CAIS[A-Za-z0-9+/=_-]{20,}/g, to: '[sts-token]' },
  // SecurityToken=…, x-oss-security-token: …, "SecurityToken": "…".
  {
    id: 'security-token',
    re: new RegExp(`((?:x-(?:oss|acs|amz)-)?security[-_]?token)(["']?\\s*[=:]\\s*["']?)${VALUE}`, 'gi'),
    to: `$1$2${REDACTED}`,
  },
  // AccessKey secrets by name.
  {
    id: 'access-key-secret',
    re: new RegExp(
      `(access[-_]?key[-_]?secret|secret[-_]?access[-_]?key|accesskeysecret)(["']?\\s*[=:]\\s*["']?)${VALUE}`,
      'gi',
    ),
    to: `$1$2${REDACTED}`,
  },
  // Signature=…, x-oss-signature=…, X-Amz-Signature=…, sign=… (mtop), in a URL or not.
  {
    id: 'signature',
    re: new RegExp(`(\\b(?:x-(?:oss|amz)-)?signature|(?<![A-Za-z])sign)(\\s*=\\s*["']?)${VALUE}`, 'gi'),
    to: `$1$2${REDACTED}`,
  },
  {
    id: 'signature-header',
    re: /(\b(?:x-(?:oss|amz)-)?signature)(\s*:\s*["']?)[A-Za-z0-9+/=_-]{16,}/gi,
    to: `$1$2${REDACTED}`,
  },
  // Authorization: OSS <AccessKeyId>:<signature> (acs, AWS alike): the id stays (masked below), the signature goes.
  {
    id: 'authorization-ak-sig',
    re: /\b(OSS|acs|AWS)(\s+[A-Za-z0-9.*]{8,}):[A-Za-z0-9+/=_-]{6,}/g,
    to: `$1$2:${REDACTED}`,
  },
  // Bearer/Basic credentials (a token has a digit or a symbol: "Basic authentication" is prose).
  {
    id: 'bearer',
    re: /\b(Bearer|Basic|Digest)\s+(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/gi,
    to: `$1 ${REDACTED}`,
  },
];

/** Credentials and AccessKeyIds in any text. */
export function redactCredentials(s: string): string {
  let out = s;
  for (const f of CREDENTIAL_FORMS) out = out.replace(f.re, f.to);
  return maskAccessKeys(out);
}

/** Remove query strings / fragments, cookies, credentials, personal path segments of URLs in free text. */
export function redactText(s: string): string {
  let out = s.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s?#/]*)([^\s?#]*)[?#][^\s]*/gi, '$1$2');
  out = out.replace(/(^|\s)(\/[^\s?#]*)\?[^\s]*/g, '$1$2');
  // URL paths in the text are shaped like exported paths.
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/]+)(\/[^\s]*)/gi, (_m, origin: string, path: string) => {
    return origin + shapePersonalPath(path);
  });
  // Cookie-looking name=value runs after "cookie:" are dropped.
  out = out.replace(/(cookie\s*[:：=]\s*)[^\n]*/gi, `$1${REDACTED}`);
  return redactCredentials(out);
}

/** A path for export: no query, no fragment, credentials and keys masked, personal segments shaped. */
export function redactPath(p: string): string {
  const cut = p.split(/[?#]/)[0] ?? '';
  return redactCredentials(shapePersonalPath(cut || '/'));
}

/** A host for export: the host only, keys masked. */
export function redactHost(h: string): string {
  return maskAccessKeys(h.split(/[/?#]/)[0] ?? h);
}

/** Directories whose next segment names a person. */
const USER_DIR = /^(?:users?|members?|people|persons?|profiles?|accounts?|customers?|staff|employees?|students?)$/i;
/** Common file extensions: `index.html` is a file, `zhang.san` a name. */
const FILE_EXT =
  /^(?:html?|js|mjs|cjs|css|json|xml|txt|csv|pdf|png|jpe?g|gif|webp|avif|svg|ico|bmp|tiff?|heic|mp[34]|m4a|webm|mov|avi|wav|ogg|flac|zip|gz|tgz|rar|7z|tar|docx?|xlsx?|pptx?|md|php|jsp|aspx?|do|action|woff2?|ttf|otf|eot|map|wasm|apk|ipa|dmg|exe|msi|bin|dat|log|ya?ml|toml|ini|conf|sh|py|rb|go|java|ts|tsx)$/i;
/** Words of personal-document file names: whole words (short ones) or word starts (long ones). */
const DOC_WORDS = ['cv', 'id', 'tax', 'bank', 'visa', 'birth', 'scan'];
const DOC_PREFIXES = [
  'passport',
  'idcard',
  'identity',
  'resume',
  'curriculum',
  'contract',
  'invoice',
  'payslip',
  'salary',
  'statement',
  'medical',
  'diagnos',
  'prescription',
  'insurance',
  'licence',
  'license',
  'driver',
  'marriage',
  'selfie',
];
const DOC_ZH = /身份证|护照|简历|合同|发票|工资|病历|驾照|户口|证件|银行卡/;

function personalDoc(stem: string): boolean {
  if (DOC_ZH.test(stem)) return true;
  for (const w of stem.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!w) continue;
    if (DOC_WORDS.includes(w) || DOC_PREFIXES.some((p) => w.startsWith(p))) return true;
  }
  return false;
}

function splitExt(seg: string): { stem: string; ext: string } {
  const dot = seg.lastIndexOf('.');
  if (dot > 0 && FILE_EXT.test(seg.slice(dot + 1))) return { stem: seg.slice(0, dot), ext: seg.slice(dot) };
  return { stem: seg, ext: '' };
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** Shape the personal-looking segments of a path (placeholders and ordinary words are kept). */
export function shapePersonalPath(path: string): string {
  const segs = path.split('/');
  let afterUserDir = false;
  for (let i = 0; i < segs.length; i++) {
    const raw = segs[i]!;
    if (!raw || raw.startsWith('{')) {
      afterUserDir = false;
      continue;
    }
    const seg = decode(raw);
    const { stem, ext } = splitExt(seg);
    let shaped: string | null = null;
    if (afterUserDir) shaped = '{user}' + ext;
    else if (seg.startsWith('~') && seg.length > 1) shaped = '~{user}';
    // Non-Latin text (a Chinese name, a document title).
    else if (/\P{ASCII}/u.test(stem) && /\p{L}/u.test(stem)) shaped = '{text}' + ext;
    // A dotted name as a directory: zhang.san, john.doe (file names like jquery.min.js are left alone).
    else if (!ext && /^\p{L}{2,}\.\p{L}{2,}$/u.test(seg)) shaped = '{name}';
    // A personal document: passport-scan.jpg, 身份证.png, resume_2024.pdf.
    else if (ext && personalDoc(stem)) shaped = '{file}' + ext;
    afterUserDir = USER_DIR.test(seg);
    if (shaped !== null) segs[i] = shaped;
  }
  return segs.join('/');
}
