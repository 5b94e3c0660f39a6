import { decodeOcspGetPath, ocspErrorResponse } from '../../pki/revocation/index.js';
import { HttpProblem } from '../http/index.js';
import { problemReply, type LeanEndpoint, type LeanReply, type LeanRoute, type RequestHead } from '../http/lean/index.js';
import type { OcspResponder } from './ocsp-responder.js';
import type { Hierarchy } from './repository.js';

/**
 * OCSP over HTTP (RFC 6960 Appendix A.1, RFC 5019 5): the endpoints of the responder, served by the
 * lean HTTP server (../http/lean) on the port of the service.
 *
 *   POST /ocsp, POST /ocsp/{sign|auth}        body: DER OCSPRequest, Content-Type application/ocsp-request
 *   GET  /ocsp/{sign|auth}/{url-encoded base64 of the DER OCSPRequest}
 *
 * Answers are `application/ocsp-response` with HTTP 200, error statuses of OCSP included
 * (malformedRequest for a body or path that is not an OCSPRequest, RFC 6960 2.3); HTTP errors are
 * problem documents: 404 for an unknown hierarchy, 405 (with Allow) for another method, 400 for a bad
 * %-escape in the hierarchy, 415 for a POST body of another media type, and the framing errors of the
 * lean server (411, 413…). The same rules apply to the node:http routes of http.ts, which answer OCSP
 * on connections that the lean server has handed over (a client that asked for something else first).
 */
export const OCSP_PATH = '/ocsp';
/** Largest OCSP request body read (a request for 16 certificates with a nonce is under 2 KiB). */
export const OCSP_MAX_REQUEST = 16 * 1024;
export const OCSP_REQUEST_TYPE = 'application/ocsp-request';
export const OCSP_RESPONSE_TYPE = 'application/ocsp-response';

/**
 * Whether a POST may be read as an OCSP request: Content-Type application/ocsp-request (RFC 6960
 * A.1.1), parameters ignored, case-insensitive (RFC 9110 8.3.1). An absent Content-Type is accepted:
 * the recipient may examine the data (RFC 9110 8.3), and the parser decides.
 */
export function isOcspRequestType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === OCSP_REQUEST_TYPE) return true;
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === OCSP_REQUEST_TYPE;
}

export const OCSP_MEDIA_TYPE_DETAIL = `send ${OCSP_REQUEST_TYPE}`;

/** A path segment, percent-decoded (RFC 3986 2.1); throws a 400 problem for a bad %-escape, as the node:http router does. */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, 'ERR_HTTP_PATH', 'the path is not valid percent-encoding');
  }
}

function ok(der: Uint8Array): LeanReply {
  return { status: 200, contentType: OCSP_RESPONSE_TYPE, body: der };
}

/** The OCSP endpoint of the lean server over a responder. */
export function ocspEndpoint(responder: OcspResponder): LeanEndpoint {
  const answer = (der: Uint8Array, hierarchy: Hierarchy | undefined): LeanReply | Promise<LeanReply> => {
    const now = responder.answerFromMemory(der, hierarchy);
    return now !== undefined ? ok(now) : responder.respond(der, hierarchy).then(ok);
  };
  const post = (hierarchy: Hierarchy | undefined): LeanRoute => ({ maxBody: OCSP_MAX_REQUEST, needsBody: true, answer: (_head, body) => answer(body, hierarchy) });
  // One route object per URL, made once: nothing is allocated to route a POST.
  const posts = { any: post(undefined), sign: post('sign'), auth: post('auth') };
  const malformed = ok(ocspErrorResponse('malformedRequest'));

  return {
    prefixes: [OCSP_PATH],
    route(head: RequestHead): LeanReply | LeanRoute {
      const target = head.target;
      const query = target.indexOf('?');
      const path = query === -1 ? target : target.slice(0, query);
      // The first two non-empty segments, and the rest of the path as sent from the third (a base64
      // GET request may hold "//", so empty segments there are kept).
      let first = '';
      let second = '';
      let rest = -1;
      let count = 0;
      for (let i = 0; i < path.length; ) {
        while (i < path.length && path.charCodeAt(i) === 0x2f) i++;
        if (i === path.length) break;
        const start = i;
        while (i < path.length && path.charCodeAt(i) !== 0x2f) i++;
        count++;
        if (count === 1) first = path.slice(start, i);
        else if (count === 2) second = path.slice(start, i);
        else {
          rest = start;
          break;
        }
      }
      if (first !== 'ocsp') return problemReply(404, 'ERR_HTTP_NOT_FOUND', `no resource at ${path}`);
      let name = '';
      if (count >= 2) {
        try {
          name = decodeSegment(second);
        } catch (err) {
          const p = err as HttpProblem;
          return problemReply(p.status, p.code, p.detail);
        }
      }
      const hierarchy: Hierarchy | undefined = name === 'sign' || name === 'auth' ? name : undefined;
      const isGet = rest !== -1;
      if (head.method !== (isGet ? 'GET' : 'POST')) return problemReply(405, 'ERR_HTTP_METHOD', `${head.method} is not allowed here`, isGet ? 'GET' : 'POST');
      if (count >= 2 && hierarchy === undefined) return problemReply(404, 'ERR_HTTP_NOT_FOUND', `no hierarchy '${name}' (sign or auth)`);
      if (!isGet) {
        if (!isOcspRequestType(head.contentType)) return problemReply(415, 'ERR_HTTP_MEDIA_TYPE', OCSP_MEDIA_TYPE_DETAIL);
        return hierarchy === undefined ? posts.any : hierarchy === 'sign' ? posts.sign : posts.auth;
      }
      let der: Uint8Array;
      try {
        der = decodeOcspGetPath(path.slice(rest));
      } catch {
        return malformed;
      }
      return { maxBody: OCSP_MAX_REQUEST, needsBody: false, answer: () => answer(der, hierarchy) };
    },
  };
}
