/**
 * Provider error codes from response bodies (never kept, never printed): OSS XML `<Code>`, OpenAPI JSON
 * `Code`, mtop `ret: ["CODE::msg"]` (JSON or JSONP `mtopjsonp1({...})`), registry `errors[0].code`.
 * Cheap pre-checks first so ordinary bodies cost one indexOf.
 */

/** Bodies longer than this are not inspected (error bodies are small). */
export const MAX_BODY = 64 * 1024;
/** The longest HAR `content.text` ever inspected (base64 of a MAX_BODY body); the streaming reader keeps up to this. */
export const MAX_BODY_TEXT = MAX_BODY * 1.4;

export function codeFromBody(text: string): string | undefined {
  if (text.length === 0 || text.length > MAX_BODY) return undefined;
  const x = text.indexOf('<Code>');
  if (x >= 0) {
    const end = text.indexOf('</Code>', x + 6);
    if (end > x) return clean(text.slice(x + 6, end));
  }
  const hasRet = text.indexOf('"ret"') >= 0;
  const hasCode = text.indexOf('"Code"') >= 0 || text.indexOf('"code"') >= 0;
  if (!hasRet && !hasCode) return undefined;
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open < 0 || close <= open) return undefined;
  let j: unknown;
  try {
    j = JSON.parse(open === 0 && close === text.length - 1 ? text : text.slice(open, close + 1));
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  if (Array.isArray(o.ret) && typeof o.ret[0] === 'string') {
    const r = o.ret[0];
    const sep = r.indexOf('::');
    const code = sep >= 0 ? r.slice(0, sep) : r;
    return code === 'SUCCESS' ? undefined : clean(code);
  }
  if (typeof o.Code === 'string') return clean(o.Code);
  if (Array.isArray(o.errors) && o.errors[0] && typeof (o.errors[0] as Record<string, unknown>).code === 'string') {
    return clean((o.errors[0] as Record<string, string>).code!);
  }
  if (typeof o.code === 'string' && /^[A-Za-z][\w.]{2,63}$/.test(o.code)) return clean(o.code);
  return undefined;
}

/** Codes are identifiers; anything else (an echoed key, free text) is dropped. */
function clean(s: string): string | undefined {
  const c = s.trim();
  return /^[A-Za-z][\w.]{1,63}$/.test(c) ? c : undefined;
}

/** Decode a HAR content text (maybe base64) only when it may be an error body. */
export function bodyText(content: { text?: unknown; encoding?: unknown } | undefined): string | undefined {
  if (!content || typeof content.text !== 'string' || content.text.length === 0) return undefined;
  if (content.encoding === 'base64') {
    if (content.text.length > MAX_BODY_TEXT) return undefined;
    try {
      const bin = atob(content.text);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new TextDecoder().decode(bytes);
    } catch {
      return undefined;
    }
  }
  return content.text;
}
