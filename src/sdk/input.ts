import { Buffer } from 'node:buffer';
import { RelyingPartyError, type RelyingPartyErrorCode } from './errors.js';

/**
 * What the SDK takes as bytes: a Uint8Array (a Buffer is one), or text as it travels in JSON and forms:
 * PEM (RFC 7468: `-----BEGIN <label>-----`, base64, `-----END <label>-----`) or bare base64 / base64url.
 */
export type BinaryInput = Uint8Array | string;

/** Large enough for any certificate, signature, challenge or signed document this SDK reads. */
export const MAX_INPUT_BYTES = 1024 * 1024;

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The bytes of `input`; a PEM must carry one of `labels`. Anything else is `code` (ERR_RP_INPUT by
 * default, or the caller's own, e.g. ERR_RP_CERT_MALFORMED for a certificate).
 */
export function bytesOf(input: unknown, what: string, options: { labels?: readonly string[]; code?: RelyingPartyErrorCode } = {}): Uint8Array {
  const code = options.code ?? 'ERR_RP_INPUT';
  if (input instanceof Uint8Array) {
    if (input.length === 0 || input.length > MAX_INPUT_BYTES) throw new RelyingPartyError(code, `${what} must be 1 to ${MAX_INPUT_BYTES} bytes`);
    return new Uint8Array(input);
  }
  if (typeof input !== 'string') throw new RelyingPartyError(code, `${what} must be bytes or text (PEM or base64)`);
  if (input.length === 0 || input.length > (MAX_INPUT_BYTES * 4) / 3 + 1024) throw new RelyingPartyError(code, `${what} is empty or too long`);
  const text = input.trim();
  let body: string;
  const pem = PEM.exec(text);
  if (pem !== null) {
    if (options.labels !== undefined && !options.labels.includes(pem[1]!)) {
      throw new RelyingPartyError(code, `${what} is a PEM ${pem[1]}, not ${options.labels.join(' or ')}`);
    }
    body = pem[2]!.replace(/\s+/g, '');
    if (!BASE64.test(body)) throw new RelyingPartyError(code, `${what} is a PEM whose body is not base64`);
  } else if (text.startsWith('-----')) {
    throw new RelyingPartyError(code, `${what} is not a well-formed PEM`);
  } else {
    body = text;
  }
  let bytes: Uint8Array;
  if (BASE64.test(body) && body.length % 4 === 0) bytes = new Uint8Array(Buffer.from(body, 'base64'));
  else if (BASE64URL.test(body) && body.length % 4 !== 1) bytes = new Uint8Array(Buffer.from(body, 'base64url'));
  else throw new RelyingPartyError(code, `${what} is neither PEM nor base64`);
  if (bytes.length === 0 || bytes.length > MAX_INPUT_BYTES) throw new RelyingPartyError(code, `${what} must be 1 to ${MAX_INPUT_BYTES} bytes`);
  return bytes;
}

export const CERTIFICATE_LABELS = ['CERTIFICATE'] as const;
/** RFC 7468 5 (`CERTIFICATE`), 8 (`CMS`) and the `PKCS7` label openssl writes. */
export const CMS_LABELS = ['CMS', 'PKCS7'] as const;
