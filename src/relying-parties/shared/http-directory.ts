import type { DirectoryCertificate, DirectoryPerson, JpkiDirectory } from './directory.js';
import { DirectoryError } from './errors.js';

/** The fetch the directory uses (the global one by default). */
export type DirectoryFetch = (url: string, init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

export interface HttpJpkiDirectoryOptions {
  /** The certification service's base URL, e.g. `http://127.0.0.1:8420` (a function: read at each request). */
  readonly baseUrl: string | (() => string);
  /** An operator bearer token of role `relying-party` (from a secret file, never a flag). */
  readonly token: string;
  readonly timeoutMs?: number;
  readonly fetch?: DirectoryFetch;
}

/** Largest answer read: a person with many certificates is a few KiB. */
const MAX_BYTES = 256 * 1024;
const SERIAL = /^[0-9A-F]{2,40}$/;
const PERSON_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** RFC 5280 5.3.1 CRLReason values (7 is not used). */
const CRL_REASONS: readonly unknown[] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10];

function malformed(what: string): DirectoryError {
  return new DirectoryError('ERR_DIRECTORY_RESPONSE', `the certification service's answer has no valid ${what}`);
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > 1000) throw malformed(key);
  return v;
}

function strOrNull(o: Record<string, unknown>, key: string): string | null {
  return o[key] === null ? null : str(o, key);
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(what);
  return v as Record<string, unknown>;
}

function certificateOf(v: unknown): DirectoryCertificate {
  const o = record(v, 'certificate');
  const hierarchy = str(o, 'hierarchy');
  const device = str(o, 'device');
  const status = str(o, 'status');
  const reason = o.reason;
  if (hierarchy !== 'sign' && hierarchy !== 'auth') throw malformed('hierarchy');
  if (device !== 'card' && device !== 'phone') throw malformed('device');
  if (status !== 'good' && status !== 'held' && status !== 'revoked') throw malformed('status');
  if (reason !== null && !CRL_REASONS.includes(reason)) throw malformed('reason');
  const serial = str(o, 'serial');
  if (!SERIAL.test(serial)) throw malformed('serial');
  return {
    serial,
    hierarchy,
    device,
    personId: str(o, 'personId'),
    status,
    reason: reason as number | null,
    revokedAt: strOrNull(o, 'revokedAt'),
    notBefore: str(o, 'notBefore'),
    notAfter: str(o, 'notAfter'),
    linkedSerial: strOrNull(o, 'linkedSerial'),
  };
}

function personOf(v: unknown): DirectoryPerson {
  const o = record(v, 'person');
  const sex = o.sex;
  if (sex !== 1 && sex !== 2 && sex !== 3) throw malformed('sex');
  if (!Array.isArray(o.certificates) || o.certificates.length > 1000) throw malformed('certificates');
  return {
    personId: str(o, 'personId'),
    name: str(o, 'name'),
    address: str(o, 'address'),
    birthDate: str(o, 'birthDate'),
    sex,
    nameSubstituteMap: strOrNull(o, 'nameSubstituteMap'),
    addressSubstituteMap: strOrNull(o, 'addressSubstituteMap'),
    updatedAt: str(o, 'updatedAt'),
    certificates: o.certificates.map(certificateOf),
  };
}

/**
 * The certification service's directory over its HTTP API (docs/services/jpki.md): GET
 * /api/v1/certificates/:serial and GET /api/v1/persons/:personId with `Authorization: Bearer`. Answers
 * are bounded in time and size and checked field by field before use.
 */
export class HttpJpkiDirectory implements JpkiDirectory {
  readonly #base: () => string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: DirectoryFetch;

  constructor(options: HttpJpkiDirectoryOptions) {
    const base = options.baseUrl;
    this.#base = typeof base === 'string' ? () => base.replace(/\/+$/, '') : () => base().replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
  }

  async certificate(serial: string): Promise<DirectoryCertificate> {
    if (!SERIAL.test(serial)) throw new DirectoryError('ERR_DIRECTORY_UNKNOWN', `not a certificate serial: ${serial.slice(0, 60)}`);
    return certificateOf(await this.#get(`/api/v1/certificates/${serial}`));
  }

  async person(personId: string): Promise<DirectoryPerson> {
    if (!PERSON_ID.test(personId)) throw new DirectoryError('ERR_DIRECTORY_UNKNOWN', 'not a person id');
    return personOf(await this.#get(`/api/v1/persons/${encodeURIComponent(personId)}`));
  }

  async #get(path: string): Promise<unknown> {
    const url = this.#base() + path;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await this.#fetch(url, { method: 'GET', headers: { authorization: `Bearer ${this.#token}`, accept: 'application/json' }, signal });
    } catch (err) {
      throw new DirectoryError('ERR_DIRECTORY_UNAVAILABLE', signal.aborted ? `${url} did not answer within ${this.#timeoutMs} ms` : `${url} could not be reached`, { cause: err });
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404) throw new DirectoryError('ERR_DIRECTORY_UNKNOWN', `the certification service knows no ${path.split('/')[3] === 'persons' ? 'such person' : 'such certificate'}`);
      if (res.status === 401 || res.status === 403) throw new DirectoryError('ERR_DIRECTORY_REFUSED', `the certification service refused this party's token (HTTP ${res.status})`);
      if (res.status >= 500) throw new DirectoryError('ERR_DIRECTORY_UNAVAILABLE', `the certification service answered HTTP ${res.status}`);
      throw new DirectoryError('ERR_DIRECTORY_RESPONSE', `the certification service answered HTTP ${res.status}`);
    }
    let text: string;
    try {
      text = await boundedText(res, signal);
    } catch (err) {
      if (err instanceof DirectoryError) throw err;
      throw new DirectoryError('ERR_DIRECTORY_UNAVAILABLE', `${url} stopped answering`, { cause: err });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new DirectoryError('ERR_DIRECTORY_RESPONSE', 'the certification service did not answer JSON', { cause: err });
    }
  }
}

async function boundedText(res: Response, signal: AbortSignal): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > MAX_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw new DirectoryError('ERR_DIRECTORY_RESPONSE', `the answer is larger than ${MAX_BYTES} bytes`);
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) {
      await reader.cancel().catch(() => undefined);
      throw new DirectoryError('ERR_DIRECTORY_UNAVAILABLE', 'the answer did not arrive in time');
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new DirectoryError('ERR_DIRECTORY_RESPONSE', `the answer is larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
