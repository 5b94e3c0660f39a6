import { HttpProblem, type Request } from '../../services/http/index.js';
import { base64, object, only, string, type Json } from '../../services/http/validate.js';

/**
 * Request bodies of the relying parties: JSON objects with only the documented members (a stray member
 * is a typo, refused with `ERR_REQUEST_FIELD` naming it), binary members in standard base64 with a
 * bound, ids as strings. Nothing is written before every member is checked.
 */

/** A certificate is a few KiB; a JPKI RSA-2048 signature 256 bytes (4096-bit keys would be 512). */
export const MAX_CERTIFICATE_BYTES = 8192;
export const MAX_SIGNATURE_BYTES = 512;

/** The JSON object body with exactly the allowed members (`ERR_HTTP_MEDIA_TYPE`, `ERR_HTTP_JSON`, `ERR_REQUEST_FIELD`). */
export function body(req: Request, allowed: readonly string[]): Json {
  const o = object(req.json());
  only(o, allowed);
  return o;
}

/** An endpoint without parameters: no body, or an empty JSON object. */
export function noMembers(req: Request): void {
  if (req.body.length > 0) body(req, []);
}

export function idField(o: Json, key: string): string {
  return string(o, key, { max: 64 });
}

export function certificateField(o: Json): Uint8Array {
  return base64(o, 'certificate', { maxBytes: MAX_CERTIFICATE_BYTES });
}

export function signatureField(o: Json): Uint8Array {
  return base64(o, 'signature', { maxBytes: MAX_SIGNATURE_BYTES });
}

/** The query string must be empty (GET endpoints take their parameters in the path). */
export function noQuery(req: Request): void {
  const first = [...req.query.keys()][0];
  if (first !== undefined) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', `query.${first.slice(0, 40)}: is not a parameter of this endpoint`);
}
