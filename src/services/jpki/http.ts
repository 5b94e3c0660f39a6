import { decodeOcspGetPath, ocspErrorResponse, reasonByName } from '../../pki/revocation/index.js';
import { parseCertificate, type IsoDate } from '../../pki/x509/index.js';
import { HttpProblem, json, type Request, type Response, type Route } from '../http/index.js';
import { base64, field, integer, object, only, optionalString, string } from '../http/validate.js';
import { recentCertificates, type Hierarchy } from './repository.js';
import { readAuditSince } from '../../store/index.js';
import { statusView } from './service.js';
import { isOcspRequestType, OCSP_MAX_REQUEST, OCSP_MEDIA_TYPE_DETAIL, OCSP_RESPONSE_TYPE } from './ocsp-http.js';
import { authenticate, requireRole } from './operators.js';
import type { JpkiService } from './service.js';


const HIERARCHY = /^(sign|auth)$/;
const SERIAL = /^[0-9A-F]{2,40}$/;
/** A person id: the service's UUIDs, or an id the office gave (1-64 of A-Z a-z 0-9 . _ -). */
const PERSON_ID = /^[A-Za-z0-9._-]{1,64}$/;

function hierarchyOf(req: Request): Hierarchy {
  const h = req.params.hierarchy ?? '';
  if (!HIERARCHY.test(h)) throw new HttpProblem(404, 'ERR_HTTP_NOT_FOUND', `no hierarchy '${h}' (sign or auth)`);
  return h as Hierarchy;
}

function generationFrom(file: string, suffix: string): number {
  const m = new RegExp(`^([1-9][0-9]{0,5})${suffix.replace('.', '\\.')}$`).exec(file);
  if (!m) throw new HttpProblem(404, 'ERR_HTTP_NOT_FOUND', `no file '${file}'`);
  return Number(m[1]);
}

function serialOf(req: Request): string {
  const s = (req.params.serial ?? '').toUpperCase();
  if (!SERIAL.test(s)) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', 'serial: must be 2-40 hexadecimal digits');
  return s;
}

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function derResponse(der: Uint8Array, type: string, maxAge?: number): Response {
  return { status: 200, headers: { 'content-type': type, ...(maxAge !== undefined ? { 'cache-control': `max-age=${maxAge}` } : {}) }, body: der };
}

function issued(c: { serial: string; hierarchy: string; der: Uint8Array; notAfter: Date }) {
  return { serial: c.serial, hierarchy: c.hierarchy, notAfter: c.notAfter.toISOString(), pem: pem('CERTIFICATE', c.der) };
}

/** Maps the service's error codes to HTTP statuses (the one place this happens, style rule 8). */
export function jpkiStatusOf(code: string): number | undefined {
  if (code.startsWith('ERR_CERT_') || code.startsWith('ERR_BASIC_FOUR_')) return 422;
  const table: Record<string, number> = {
    ERR_HEX_INVALID: 400,
    ERR_JPKI_REQUEST: 400,
    ERR_JPKI_UNAUTHENTICATED: 401,
    ERR_JPKI_FORBIDDEN: 403,
    ERR_JPKI_REASON_NOT_ALLOWED: 403,
    ERR_JPKI_UNKNOWN_SERIAL: 404,
    ERR_JPKI_UNKNOWN_GENERATION: 404,
    ERR_JPKI_UNKNOWN_PERSON: 404,
    ERR_JPKI_ALREADY_REVOKED: 409,
    ERR_JPKI_ALREADY_HELD: 409,
    ERR_JPKI_NOT_HELD: 409,
    ERR_JPKI_RELEASE_SIGNATURE: 409,
    ERR_JPKI_APPLICATION_REPLAYED: 409,
    ERR_STORE_UNIQUE: 409,
    ERR_JPKI_CARD_CERTIFICATE: 422,
    ERR_JPKI_CARD_SIGNATURE: 422,
    ERR_JPKI_APPLICATION: 422,
    ERR_JPKI_APPLICATION_STALE: 422,
    ERR_JPKI_HOLDER_SIGNATURE: 422,
    ERR_JPKI_CARD_HOLDER_MISMATCH: 403,
    ERR_JPKI_PHONE_CERTIFICATE: 422,
    ERR_JPKI_CARD_EXPIRED: 422,
    ERR_CRL_REASON_UNKNOWN: 400,
    ERR_JPKI_NOT_INITIALISED: 503,
    ERR_STORE_BUSY: 503,
  };
  return table[code];
}

/** A query parameter that is a decimal integer within bounds, or its default when absent. */
function queryInteger(req: Request, name: string, min: number, max: number, fallback: number): number {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  const n = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw field(`query.${name}`, `must be an integer from ${min} to ${max}`);
  return n;
}

/** An endpoint that takes no parameters in its body: none, or an empty JSON object (a stray member is refused, not ignored). */
function noMembers(req: Request): void {
  if (req.body.length > 0) only(object(req.json()), []);
}

function reasonCode(name: string): number {
  try {
    return reasonByName(name).code;
  } catch {
    throw field('body.reason', 'is not an RFC 5280 reason name (e.g. keyCompromise, cessationOfOperation)');
  }
}

/**
 * The HTTP interface of the certification service. Public: CA certificates, CRLs, OCSP (POST and GET,
 * RFC 6960 A.1), the CPS. Operators (bearer token): card issuance (office), phone issuance (SP-TSM),
 * status, revocation, hold, release. Holders: revocation signed with the phone's key.
 */
export function jpkiRoutes(service: JpkiService): Route[] {
  const { authority } = service.ctx;
  // These routes answer OCSP on connections the lean server (ocsp-http.ts) handed over; same rules.
  const ocsp = async (req: Request, der: Uint8Array): Promise<Response> => {
    const hierarchy = req.params.hierarchy === undefined ? undefined : hierarchyOf(req);
    if (req.method === 'POST' && !isOcspRequestType(req.headers['content-type'])) throw new HttpProblem(415, 'ERR_HTTP_MEDIA_TYPE', OCSP_MEDIA_TYPE_DETAIL);
    return derResponse(await service.ocsp.respond(der, hierarchy), OCSP_RESPONSE_TYPE);
  };
  const operator = async (req: Request, ...roles: Parameters<typeof requireRole>[1][]) => {
    const actor = await authenticate(service.ctx.db, req.headers.authorization);
    requireRole(actor, ...roles);
    return actor;
  };
  return [
    { method: 'GET', pattern: '/healthz', handler: () => json(200, { status: 'ok' }) },
    {
      method: 'GET',
      pattern: '/cps',
      handler: () => ({
        status: 200,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'jpki-mobile certification practice statement: this is an emulation of the JPKI service for development and testing. It is not J-LIS and its certificates prove nothing about anyone.\n',
      }),
    },
    {
      method: 'GET',
      pattern: '/ca/:hierarchy/:file',
      handler: (req) => {
        const h = hierarchyOf(req);
        const file = req.params.file!;
        if (file.endsWith('-ocsp.crt')) return derResponse(authority.get(h, generationFrom(file, '-ocsp.crt')).responderCertificate, 'application/pkix-cert');
        if (file.endsWith('.pem')) return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: pem('CERTIFICATE', authority.get(h, generationFrom(file, '.pem')).certificate) };
        return derResponse(authority.get(h, generationFrom(file, '.crt')).certificate, 'application/pkix-cert');
      },
    },
    {
      method: 'GET',
      pattern: '/crl/:hierarchy/:file',
      handler: async (req) => {
        const crl = await service.crl.current(hierarchyOf(req), generationFrom(req.params.file!, '.crl'));
        return derResponse(crl.der, 'application/pkix-crl', 60);
      },
    },
    { method: 'POST', pattern: '/ocsp', maxBody: OCSP_MAX_REQUEST, handler: (req) => ocsp(req, req.body) },
    { method: 'POST', pattern: '/ocsp/:hierarchy', maxBody: OCSP_MAX_REQUEST, handler: (req) => ocsp(req, req.body) },
    {
      method: 'GET',
      pattern: '/ocsp/:hierarchy/*',
      handler: async (req) => {
        let der: Uint8Array;
        try {
          der = decodeOcspGetPath(req.params['*']!);
        } catch {
          return derResponse(ocspErrorResponse('malformedRequest'), OCSP_RESPONSE_TYPE);
        }
        return ocsp(req, der);
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/card-certificates',
      handler: async (req) => {
        const actor = await operator(req, 'office', 'admin');
        const body = object(req.json());
        only(body, ['person', 'personId', 'cardExpiry', 'signPublicKey', 'authPublicKey']);
        const p = object(body.person, 'body.person');
        only(p, ['name', 'address', 'birthDate', 'sex', 'nameSubstituteMap', 'addressSubstituteMap'], 'body.person');
        const nameSubstituteMap = optionalString(p, 'nameSubstituteMap', { path: 'body.person', max: 100, pattern: /^[01]+$/ });
        const addressSubstituteMap = optionalString(p, 'addressSubstituteMap', { path: 'body.person', max: 200, pattern: /^[01]+$/ });
        const personId = optionalString(body, 'personId', { max: 64 });
        const result = await service.issueCard(actor, {
          person: {
            name: string(p, 'name', { path: 'body.person', max: 100 }),
            address: string(p, 'address', { path: 'body.person', max: 200 }),
            birthDate: string(p, 'birthDate', { path: 'body.person', pattern: /^\d{4}-\d{2}-\d{2}$/ }) as IsoDate,
            sex: integer(p, 'sex', { path: 'body.person', min: 1, max: 3 }) as 1 | 2 | 3,
            ...(nameSubstituteMap ? { nameSubstituteMap } : {}),
            ...(addressSubstituteMap ? { addressSubstituteMap } : {}),
          },
          ...(personId ? { personId } : {}),
          cardExpiry: string(body, 'cardExpiry', { pattern: /^\d{4}-\d{2}-\d{2}$/ }) as IsoDate,
          signPublicKey: base64(body, 'signPublicKey', { maxBytes: 1024 }),
          authPublicKey: base64(body, 'authPublicKey', { maxBytes: 1024 }),
        });
        return json(201, { personId: result.personId, cardId: result.cardId, sign: issued(result.sign), auth: issued(result.auth) });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/phone-certificates',
      handler: async (req) => {
        const actor = await operator(req, 'sp-tsm', 'admin');
        const body = object(req.json());
        only(body, ['application', 'signature', 'cardCertificate']);
        const result = await service.issuePhone(actor, {
          application: base64(body, 'application', { maxBytes: 8192 }),
          signature: base64(body, 'signature', { maxBytes: 512 }),
          cardCertificate: base64(body, 'cardCertificate', { maxBytes: 8192 }),
        });
        // The CA certificate that issued each one: the SP-TSM writes it into the applet beside it (EF 0002, 000B).
        const withCa = (c: Parameters<typeof issued>[0]) => ({ ...issued(c), caPem: pem('CERTIFICATE', authority.issuerOf(parseCertificate(c.der))!.certificate) });
        return json(201, { personId: result.personId, cardSerial: result.cardSerial, seId: result.seId, superseded: result.superseded, sign: withCa(result.sign), auth: withCa(result.auth) });
      },
    },
    {
      // Flow 5: the SP-TSM asks whether the card's holder authorised re-initialising the secrets of the
      // phone's applet (the request signed by the card); an authorisation is single use.
      method: 'POST',
      pattern: '/api/v1/phone-secret-resets',
      handler: async (req) => {
        const actor = await operator(req, 'sp-tsm', 'admin');
        const body = object(req.json());
        only(body, ['request', 'signature', 'cardCertificate']);
        const result = await service.authoriseSecretReset(actor, {
          request: base64(body, 'request', { maxBytes: 8192 }),
          signature: base64(body, 'signature', { maxBytes: 512 }),
          cardCertificate: base64(body, 'cardCertificate', { maxBytes: 8192 }),
        });
        return json(200, result);
      },
    },
    {
      // Read-only views for the administrator (the web interface's inspector): the latest certificates
      // with their states and links, and the audit log from a sequence number on.
      method: 'GET',
      pattern: '/api/v1/certificates',
      handler: async (req) => {
        await operator(req, 'admin');
        const limit = queryInteger(req, 'limit', 1, 500, 100);
        return json(200, { certificates: (await recentCertificates(service.ctx.db, limit)).map(statusView) }, { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/audit',
      handler: async (req) => {
        await operator(req, 'admin');
        const after = queryInteger(req, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
        const limit = queryInteger(req, 'limit', 1, 500, 100);
        const entries = await readAuditSince(service.ctx.db, after, limit);
        return json(
          200,
          {
            entries: entries.map((e) => ({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, payload: e.payload, hash: e.hash })),
            next: entries.length > 0 ? entries[entries.length - 1]!.seq : after,
          },
          { 'cache-control': 'no-store' },
        );
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/certificates/:serial',
      handler: async (req) => {
        await operator(req, 'office', 'call-centre', 'admin', 'sp-tsm', 'relying-party');
        const serial = serialOf(req);
        return json(200, { ...(await service.status(serial)), pem: pem('CERTIFICATE', await service.certificate(serial)) });
      },
    },
    {
      // Who a certificate belongs to, as the municipal office registered them: the basic four and every
      // certificate of the person with its state. For the office and the call centre, and for relying
      // parties with a public mandate (the portal, the kiosk): a user-authentication certificate carries
      // no basic four, and these parties map its serial to the person (docs/relying-parties.md).
      method: 'GET',
      pattern: '/api/v1/persons/:personId',
      handler: async (req) => {
        await operator(req, 'office', 'call-centre', 'admin', 'relying-party');
        const personId = req.params.personId ?? '';
        if (!PERSON_ID.test(personId)) throw field('path.personId', 'must be 1-64 of A-Z a-z 0-9 . _ -');
        return json(200, await service.person(personId));
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/certificates/:serial/revoke',
      handler: async (req) => {
        const actor = await operator(req, 'office', 'call-centre', 'admin');
        const body = object(req.json());
        only(body, ['reason']);
        const reason = reasonCode(string(body, 'reason', { max: 40 }));
        if (reason === 6) throw field('body.reason', 'use /hold for certificateHold');
        const changed = await service.revoke(actor, serialOf(req), reason);
        return json(200, { revoked: changed });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/certificates/:serial/hold',
      handler: async (req) => {
        const actor = await operator(req, 'office', 'call-centre', 'admin');
        noMembers(req);
        await service.revoke(actor, serialOf(req), 6);
        return json(200, { held: [serialOf(req)] });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/certificates/:serial/release',
      handler: async (req) => {
        const actor = await operator(req, 'office', 'call-centre', 'admin');
        noMembers(req);
        await service.release(actor, serialOf(req));
        return json(200, { released: [serialOf(req)] });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/elements/:seId/revocations',
      handler: async (req) => {
        await operator(req, 'sp-tsm', 'admin');
        const body = object(req.json());
        only(body, ['reason']);
        if (string(body, 'reason', { max: 40 }) !== 'cessationOfOperation') throw field('body.reason', 'a factory reset revokes with cessationOfOperation');
        const seId = req.params.seId ?? '';
        if (!/^[A-Za-z0-9:._-]{4,128}$/.test(seId)) throw field('path.seId', 'not a secure element id');
        return json(200, { revoked: await service.revokeElement(seId) });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/holder/revocations',
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['request', 'signature']);
        const changed = await service.holderRevoke(base64(body, 'request', { maxBytes: 8192 }), base64(body, 'signature', { maxBytes: 512 }));
        return json(200, { revoked: changed });
      },
    },
  ];
}

