import { fromHex } from '../../../bytes/index.js';
import { HttpProblem, json, type Request, type Route } from '../../http/index.js';
import { base64, field, object, only, optionalString, string, type Json } from '../../http/validate.js';
import { authenticate, requireRole } from '../../jpki/operators.js';
import type { Database } from '../../../store/index.js';
import { scp03KeySet } from '../../../crypto/index.js';
import { TsmError } from '../errors.js';
import { PURPOSES, parseBatchResults } from './protocol.js';
import { orderRoutes } from './order-routes.js';
import type { RelayService } from './relay-service.js';
import type { Purpose } from './sessions.js';

const SESSION_ID = /^ses_[0-9a-f]{32}$/;
const SEQ = /^[1-9][0-9]{0,5}$/;
const CPLC_HEX = /^(?:9F7F2A)?[0-9A-Fa-f]{84}$/;
const SHA256_HEX = /^[0-9A-Fa-f]{64}$/;
const KEY_HEX = /^[0-9A-Fa-f]{32}$/;

/** Maps the TSMs' codes to HTTP statuses (the one place this happens, style rule 8). */
export function tsmStatusOf(code: string): number | undefined {
  const table: Record<string, number> = {
    ERR_TSM_REQUEST: 400,
    ERR_TSM_CPLC: 400,
    ERR_TSM_BATCH_RESPONSES: 400,
    ERR_TSM_RESPONSE_INVALID: 400,
    ERR_TSM_UNAUTHENTICATED: 401,
    ERR_JPKI_UNAUTHENTICATED: 401,
    ERR_TSM_FORBIDDEN: 403,
    ERR_TSM_APP_NOT_ALLOWED: 403,
    ERR_JPKI_FORBIDDEN: 403,
    ERR_TSM_UNKNOWN_ELEMENT: 404,
    ERR_TSM_UNKNOWN_SESSION: 404,
    ERR_TSM_ELEMENT_EXISTS: 409,
    ERR_TSM_ALREADY_PREPARED: 409,
    ERR_TSM_NOT_PREPARED: 409,
    ERR_TSM_NO_CERTIFICATES: 409,
    ERR_TSM_ELEMENT_RESET: 409,
    ERR_TSM_NOT_RESET: 409,
    ERR_TSM_HOLDER_SIGNATURE: 422,
    ERR_TSM_CARD_HOLDER_MISMATCH: 403,
    ERR_TSM_NOTICE_UNAUTHENTICATED: 401,
    ERR_TSM_NOTICE_CONFLICT: 409,
    ERR_TSM_SESSION_ENDED: 409,
    ERR_TSM_SESSION_BUSY: 409,
    ERR_TSM_BATCH_SEQUENCE: 409,
    ERR_TSM_BATCH_CONFLICT: 409,
    ERR_TSM_NOT_AWAITING_SIGNATURE: 409,
    ERR_TSM_NOT_AWAITING_REPLACEMENT: 409,
    ERR_TSM_SESSION_EXPIRED: 410,
    ERR_TSM_ISD_KEYS: 422,
    ERR_TSM_DEVELOPMENT_ELEMENT: 422,
    ERR_TSM_CA_REFUSED: 422,
    ERR_TSM_CA_UNAVAILABLE: 502,
    ERR_STORE_BUSY: 503,
  };
  return table[code];
}

function hexField(o: Json, key: string, pattern: RegExp, path = 'body'): Uint8Array {
  return fromHex(string(o, key, { path, max: 200, pattern }).toUpperCase());
}

function sessionId(req: Request): string {
  const id = req.params.id ?? '';
  if (!SESSION_ID.test(id)) throw new TsmError('ERR_TSM_UNKNOWN_SESSION', `no session ${id}`);
  return id;
}

/** The maker's ISD key file (the `se create --keys-out` document): kvn in hex, enc, mac, dek. */
function isdKeys(value: unknown) {
  const k = object(value, 'body.isdKeys');
  only(k, ['format', 'aid', 'cin', 'kvn', 'i', 'enc', 'mac', 'dek'], 'body.isdKeys');
  const kvn = string(k, 'kvn', { path: 'body.isdKeys', max: 2, pattern: /^[0-7][0-9A-Fa-f]$/ });
  return scp03KeySet(parseInt(kvn, 16), hexField(k, 'enc', KEY_HEX, 'body.isdKeys'), hexField(k, 'mac', KEY_HEX, 'body.isdKeys'), hexField(k, 'dek', KEY_HEX, 'body.isdKeys'));
}

/**
 * The relay protocol and the TSMs' registration endpoints under `/tsm/v1` (docs/services/tsm.md). Apps
 * authenticate with their instance credential; makers and inspectors with an operator token of the
 * certification service's operator table (role admin).
 */
export function tsmRoutes(relay: RelayService, db: Database): Route[] {
  const admin = async (req: Request) => requireRole(await authenticate(db, req.headers.authorization), 'admin');
  const app = (req: Request) => relay.authenticate(req.headers.authorization);
  const runner = (req: Request) => relay.authenticateRunner(req.headers.authorization);
  return [
    ...orderRoutes(relay, db, { admin, app }),
    {
      method: 'POST',
      pattern: '/tsm/v1/elements',
      handler: async (req) => {
        await admin(req);
        const body = object(req.json());
        only(body, ['cplc', 'profile', 'isdKeys', 'keyPolicy', 'model', 'maker']);
        const profile = string(body, 'profile', { max: 20, pattern: /^(development|production)$/ }) as 'development' | 'production';
        const keyPolicy = optionalString(body, 'keyPolicy', { max: 10, pattern: /^(derive|keep)$/ }) as 'derive' | 'keep' | undefined;
        const model = optionalString(body, 'model', { max: 64, pattern: /^[\x20-\x7e]+$/ });
        const element = await relay.sei.registerElement({
          cplc: hexField(body, 'cplc', CPLC_HEX),
          profile,
          ...(body.isdKeys !== undefined ? { isdKeys: isdKeys(body.isdKeys) } : {}),
          ...(keyPolicy ? { keyPolicy } : {}),
          ...(model ? { model } : {}),
          maker: optionalString(body, 'maker', { max: 64, pattern: /^[\x20-\x7e]+$/ }) ?? 'admin',
        });
        return json(201, element);
      },
    },
    {
      method: 'GET',
      pattern: '/tsm/v1/elements/:seId',
      handler: async (req) => {
        await admin(req);
        const element = await relay.sei.element(req.params.seId ?? '');
        if (!element) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${req.params.seId}`);
        return json(200, element);
      },
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/app-certificates',
      handler: async (req) => {
        await admin(req);
        const body = object(req.json());
        only(body, ['sha256', 'label']);
        const sha256 = string(body, 'sha256', { max: 64, pattern: SHA256_HEX }).toUpperCase();
        await relay.sp.allowAppCertificate(sha256, string(body, 'label', { max: 100, pattern: /^[\x20-\x7e]+$/ }));
        return json(200, { sha256 });
      },
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/app-instances',
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['cplc', 'appCertificateHash', 'pushToken']);
        const pushToken = optionalString(body, 'pushToken', { max: 512, pattern: /^[\x21-\x7e]+$/ });
        const registered = await relay.registerApp({
          cplc: hexField(body, 'cplc', CPLC_HEX),
          appCertificateHash: string(body, 'appCertificateHash', { max: 64, pattern: SHA256_HEX }),
          ...(pushToken ? { pushToken } : {}),
        });
        return json(201, registered);
      },
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/sessions',
      handler: async (req) => {
        const caller = await app(req);
        const body = object(req.json());
        only(body, ['appInstanceId', 'seId', 'purpose', 'secrets']);
        const purpose = string(body, 'purpose', { max: 20 });
        if (!PURPOSES.includes(purpose as Purpose)) throw field('body.purpose', `must be one of ${PURPOSES.join(', ')}`);
        const secrets = optionalString(body, 'secrets', { max: 8, pattern: /^(pin|password|both)$/ }) as 'pin' | 'password' | 'both' | undefined;
        if (secrets !== undefined && purpose !== 'reset-pin') throw field('body.secrets', 'is given only with purpose reset-pin');
        const doc = await relay.open(caller, {
          appInstanceId: string(body, 'appInstanceId', { max: 64 }),
          seId: string(body, 'seId', { max: 64 }),
          purpose: purpose as Purpose,
          ...(secrets ? { secrets } : {}),
        });
        return json(201, doc, { location: `/tsm/v1/sessions/${doc.sessionId}` });
      },
    },
    {
      method: 'GET',
      pattern: '/tsm/v1/sessions',
      handler: async (req) => {
        await admin(req);
        const seId = req.query.get('seId') ?? undefined;
        const limit = req.query.get('limit');
        if (limit !== null && !/^[1-9][0-9]{0,3}$/.test(limit)) throw field('query.limit', 'must be 1..1000');
        return json(200, { sessions: await relay.sessions({ ...(seId ? { seId } : {}), ...(limit ? { limit: Number(limit) } : {}) }) });
      },
    },
    {
      method: 'GET',
      pattern: '/tsm/v1/sessions/:id',
      handler: async (req) => json(200, await relay.get(await runner(req), sessionId(req))),
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/sessions/:id/batches/:seq',
      maxBody: 1024 * 1024,
      handler: async (req) => {
        const caller = await runner(req);
        const id = sessionId(req);
        const seq = req.params.seq ?? '';
        if (!SEQ.test(seq)) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', 'path: the batch number is a positive integer');
        return json(200, await relay.submit(caller, id, Number(seq), parseBatchResults(req.json())));
      },
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/sessions/:id/signature',
      maxBody: 32 * 1024,
      handler: async (req) => {
        const caller = await app(req);
        const id = sessionId(req);
        const body = object(req.json());
        only(body, ['signature', 'cardCertificate']);
        return json(200, await relay.signature(caller, id, { signature: base64(body, 'signature', { maxBytes: 512 }), cardCertificate: body.cardCertificate === undefined ? new Uint8Array(0) : base64(body, 'cardCertificate', { maxBytes: 8192 }) }));
      },
    },
    {
      // The app replaced the temporary PIN and/or password with the user's own: purge them, complete the session.
      method: 'POST',
      pattern: '/tsm/v1/sessions/:id/secrets-replaced',
      maxBody: 1024,
      handler: async (req) => {
        const caller = await app(req);
        const id = sessionId(req);
        if (req.body.length > 0) only(object(req.json()), []);
        return json(200, await relay.secretsReplaced(caller, id));
      },
    },
    {
      method: 'GET',
      pattern: '/tsm/v1/sessions/:id/trace',
      handler: async (req) => {
        const id = sessionId(req);
        if (/^Bearer tsmapp_/.test(req.headers.authorization ?? '')) return json(200, await relay.trace(id, await app(req)));
        await admin(req);
        return json(200, await relay.trace(id));
      },
    },
  ];
}
