import { HttpProblem, json, type Response, type Route } from '../../services/http/index.js';
import { string } from '../../services/http/validate.js';
import { toJson } from '../shared/json.js';
import { translated } from '../shared/problems.js';
import { body, noMembers, noQuery } from '../shared/request.js';
import { KioskError, type KioskErrorCode } from './errors.js';
import type { Kiosk } from './kiosk.js';

/** The path prefix of the kiosk's routes. */
export const KIOSK_PREFIX = '/kiosk/v1';

const STATUS: Readonly<Record<KioskErrorCode, number>> = {
  ERR_KIOSK_PCSC_UNAVAILABLE: 503,
  ERR_KIOSK_READER_NOT_FOUND: 404,
  ERR_KIOSK_READER_BUSY: 409,
  ERR_KIOSK_NO_CARD: 409,
  ERR_KIOSK_CARD_LOST: 409,
  ERR_KIOSK_CARD_ERROR: 502,
  ERR_KIOSK_NOT_JPKI: 422,
  ERR_KIOSK_TOKEN_UNKNOWN: 422,
  ERR_KIOSK_PIN_FORMAT: 400,
  ERR_KIOSK_PIN_INCORRECT: 403,
  ERR_KIOSK_PIN_BLOCKED: 403,
  ERR_KIOSK_SESSION_UNKNOWN: 404,
  ERR_KIOSK_SESSION_STATE: 409,
  ERR_KIOSK_ISSUANCE_UNKNOWN: 404,
};

/** Maps the kiosk's codes to HTTP statuses (the one place this happens, style rule 8). */
export function kioskStatusOf(code: string): number | undefined {
  return STATUS[code as KioskErrorCode];
}

/** The problem of a kiosk refusal: `triesLeft` travels with the PIN's. */
function kioskProblem(err: KioskError): HttpProblem {
  return new HttpProblem(STATUS[err.code], err.code, err.message, { cause: err, ...(err.triesLeft !== undefined ? { extensions: { triesLeft: err.triesLeft } } : {}) });
}

async function edge(work: () => Promise<Response>): Promise<Response> {
  try {
    return await translated('login', work);
  } catch (err) {
    if (err instanceof KioskError) throw kioskProblem(err);
    throw err;
  }
}

const ok = (status: number, value: unknown): Response => json(status, toJson(value), { 'cache-control': 'no-store' });

/**
 * The kiosk terminal's HTTP interface under /kiosk/v1, for its own screen (docs/relying-parties.md). The
 * PIN travels in it: serve it on the terminal's loopback only, never to a network.
 */
export function kioskRoutes(kiosk: Kiosk): Route[] {
  const P = KIOSK_PREFIX;
  return [
    { method: 'GET', pattern: `${P}/readers`, handler: (req) => edge(async () => (noQuery(req), ok(200, await kiosk.readers()))) },
    {
      method: 'POST',
      pattern: `${P}/sessions`,
      maxBody: 4096,
      handler: (req) =>
        edge(async () => {
          const b = body(req, ['reader']);
          return ok(201, await kiosk.begin({ reader: string(b, 'reader', { max: 200 }) }));
        }),
    },
    { method: 'GET', pattern: `${P}/sessions/:id`, handler: (req) => edge(async () => (noQuery(req), ok(200, kiosk.view(req.params.id!)))) },
    {
      method: 'POST',
      pattern: `${P}/sessions/:id/pin`,
      maxBody: 1024,
      handler: (req) =>
        edge(async () => {
          const b = body(req, ['pin']);
          const pin = string(b, 'pin', { max: 16 });
          await kiosk.enterPin(req.params.id!, pin);
          return ok(200, kiosk.view(req.params.id!));
        }),
    },
    {
      method: 'GET',
      pattern: `${P}/sessions/:id/result`,
      handler: (req) =>
        edge(async () => {
          noQuery(req);
          const v = kiosk.view(req.params.id!);
          if (v.state === 'done') return ok(200, v.result);
          if (v.state === 'failed') throw kiosk.failureOf(req.params.id!);
          throw new KioskError('ERR_KIOSK_SESSION_STATE', `the session is ${v.state}: no result yet`);
        }),
    },
    {
      method: 'DELETE',
      pattern: `${P}/sessions/:id`,
      handler: (req) =>
        edge(async () => {
          noMembers(req);
          kiosk.cancel(req.params.id!);
          return { status: 204, headers: { 'cache-control': 'no-store' } };
        }),
    },
    { method: 'GET', pattern: `${P}/keys`, handler: (req) => edge(async () => (noQuery(req), ok(200, await kiosk.keys()))) },
    { method: 'GET', pattern: `${P}/certificates-of-residence/:id`, handler: (req) => edge(async () => (noQuery(req), ok(200, await kiosk.issuance(req.params.id!)))) },
  ];
}
