import { Buffer } from 'node:buffer';
import { RevocationError } from './errors.js';

/*
 * RFC 6960 A.1: "An OCSP request using the GET method is constructed as follows:
 *
 *   GET {url}/{url-encoding of base-64 encoding of the DER encoding of the OCSPRequest}"
 *
 * In practice clients differ in how much they URL-encode: some send %2F, %2B and %3D, others a raw
 * `/` (so the base64 spans several path segments) and a raw `+` (literal in a path, RFC 3986 3.3, not
 * a space). A few send the base64url alphabet (`-`, `_`). All of these are decoded; anything else
 * (another character, a bad %-escape, impossible padding) is rejected.
 */

const BASE64 = /^[A-Za-z0-9+/]*$/;

/**
 * The DER of the OCSPRequest in the path component after the responder's base URL (leading slashes
 * are ignored: a DER request starts with 30, base64 `M`, never with `/`). Pass the result to
 * `parseOcspRequest`.
 */
export function decodeOcspGetPath(pathComponent: string): Uint8Array {
  let text = pathComponent.replace(/^\/+/, '');
  if (text.includes('%')) {
    if (/%(?![0-9A-Fa-f]{2})/.test(text)) fail('a % that does not start a two-digit escape');
    text = text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  text = text.replace(/-/g, '+').replace(/_/g, '/');
  const padding = /=*$/.exec(text)![0].length;
  const body = text.slice(0, text.length - padding);
  if (body.length === 0) fail('no base64 data');
  if (!BASE64.test(body)) fail('a character outside the base64 alphabet');
  if (body.length % 4 === 1) fail('a base64 length that no byte string has');
  if (padding > 0 && (padding > 2 || text.length % 4 !== 0)) fail('misplaced base64 padding');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

function fail(what: string): never {
  throw new RevocationError('ERR_OCSP_GET_PATH_INVALID', `OCSP GET path: ${what}`);
}
