/**
 * Bearer credentials (RFC 6750 section 2.1), shared by every service that authenticates callers by
 * token (JPKI operators, push senders, push devices):
 *
 *   credentials = "Bearer" 1*SP b64token
 *   b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * The scheme is matched case-sensitively and with one space, as every client sends it; the length is
 * bounded so that a hostile header costs nothing to refuse.
 */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The token of an `Authorization: Bearer` header, or undefined when absent or malformed. */
export function bearerToken(authorization: string | undefined, options: { min?: number; max?: number } = {}): string | undefined {
  const min = options.min ?? 16;
  const max = options.max ?? 200;
  if (authorization === undefined || authorization.length > max + 7) return undefined;
  const m = BEARER.exec(authorization);
  if (!m || m[1]!.length < min) return undefined;
  return m[1];
}
