import { HttpProblem, json, type Response, type Route } from '../../services/http/index.js';
import { toJson } from '../shared/json.js';
import { translated } from '../shared/problems.js';
import { body, certificateField, idField, noMembers, noQuery, signatureField } from '../shared/request.js';
import type { Bank } from './bank.js';
import { BankError, type BankErrorCode } from './errors.js';

/** The path prefix of the bank's routes. */
export const BANK_PREFIX = '/bank/v1';

const STATUS: Readonly<Record<BankErrorCode, number>> = {
  ERR_BANK_OPENING_UNKNOWN: 404,
  ERR_BANK_OPENING_EXPIRED: 410,
  ERR_BANK_OPENING_USED: 409,
  ERR_BANK_ACCOUNT_UNKNOWN: 404,
};

/** Maps the bank's codes to HTTP statuses (the one place this happens, style rule 8). */
export function bankStatusOf(code: string): number | undefined {
  return STATUS[code as BankErrorCode];
}

async function edge(work: () => Promise<Response>): Promise<Response> {
  try {
    return await translated('document', work);
  } catch (err) {
    if (err instanceof BankError) throw new HttpProblem(STATUS[err.code], err.code, err.message, { cause: err });
    throw err;
  }
}

const ok = (status: number, value: unknown): Response => json(status, toJson(value), { 'cache-control': 'no-store' });

/**
 * The bank's HTTP interface under /bank/v1 (docs/relying-parties.md). An account's id is 128 random
 * bits: whoever holds it may read the account (the web interface keeps it like a secret).
 */
export function bankRoutes(bank: Bank): Route[] {
  const P = BANK_PREFIX;
  const account = async (id: string) => bank.account(id);
  return [
    {
      method: 'POST',
      pattern: `${P}/account-openings`,
      maxBody: 1024,
      handler: (req) =>
        edge(async () => {
          noMembers(req);
          return ok(201, await bank.startOpening());
        }),
    },
    {
      method: 'POST',
      pattern: `${P}/accounts`,
      maxBody: 32 * 1024,
      handler: (req) =>
        edge(async () => {
          const b = body(req, ['openingId', 'signature', 'certificate']);
          return ok(201, await bank.openAccount({ openingId: idField(b, 'openingId'), signature: signatureField(b), certificate: certificateField(b) }));
        }),
    },
    {
      method: 'GET',
      pattern: `${P}/accounts/:id`,
      handler: (req) =>
        edge(async () => {
          noQuery(req);
          const { terms: _terms, cms: _cms, ...view } = await account(req.params.id!);
          return ok(200, view);
        }),
    },
    {
      method: 'GET',
      pattern: `${P}/accounts/:id/terms`,
      handler: (req) => edge(async () => ({ status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: (await account(req.params.id!)).terms })),
    },
    {
      method: 'GET',
      pattern: `${P}/accounts/:id/cms`,
      handler: (req) => edge(async () => ({ status: 200, headers: { 'content-type': 'application/pkcs7-signature', 'cache-control': 'no-store' }, body: (await account(req.params.id!)).cms })),
    },
  ];
}
