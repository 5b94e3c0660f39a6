import { bytesEqual } from '../../../bytes/index.js';
import { parseCertificate } from '../../../pki/x509/index.js';
import { TsmError } from '../errors.js';

/** What the SP-TSM asks of the certification service: phone certificates for an application the card signed. */
export interface PhoneCertificationRequest {
  readonly application: Uint8Array;
  readonly signature: Uint8Array;
  readonly cardCertificate: Uint8Array;
}

export interface CertifiedKey {
  readonly serial: string;
  readonly der: Uint8Array;
  /** The CA certificate that issued it. */
  readonly caDer: Uint8Array;
}

export interface CertifiedPhone {
  readonly personId: string;
  readonly cardSerial: string;
  readonly seId: string;
  readonly superseded: readonly string[];
  readonly sign: CertifiedKey;
  readonly auth: CertifiedKey;
}

/** A certificate's status as the CA reports it to the SP-TSM. */
export interface CertificateStatus {
  readonly serial: string;
  readonly hierarchy: 'sign' | 'auth';
  readonly device: 'card' | 'phone';
  readonly personId: string;
  readonly seId: string | null;
  readonly status: 'good' | 'held' | 'revoked';
  readonly reason: number | null;
  readonly der: Uint8Array;
}

/** The CA's answer to a PIN/password re-initialisation request the card signed (flow 5). */
export interface SecretResetAuthorisation {
  readonly personId: string;
  readonly cardSerial: string;
  readonly seId: string;
  readonly secrets: 'pin' | 'password' | 'both';
  readonly serials: readonly string[];
}

export interface PhoneCertifier {
  issuePhone(request: PhoneCertificationRequest): Promise<CertifiedPhone>;
  /** The status of a certificate (`GET /api/v1/certificates/{serial}`); undefined when the CA has none. */
  status(serial: string): Promise<CertificateStatus | undefined>;
  /** A holder's revocation request signed with the phone's user-authentication key (flow 7). */
  holderRevoke(request: Uint8Array, signature: Uint8Array): Promise<string[]>;
  /** Factory reset (flow 10): every active phone certificate on the element, cessationOfOperation. */
  revokeElement(seId: string): Promise<string[]>;
  /** Flow 5: the card's holder authorised re-initialising the phone applet's secrets (`POST /api/v1/phone-secret-resets`). */
  authoriseSecretReset(request: PhoneCertificationRequest): Promise<SecretResetAuthorisation>;
}

function derOfPem(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !/^-----BEGIN CERTIFICATE-----[\r\n]+[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/.test(text)) {
    throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered no ${what} certificate`);
  }
  return new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

function certified(o: unknown, what: string): CertifiedKey {
  const c = (o ?? {}) as Record<string, unknown>;
  if (typeof c.serial !== 'string' || !/^[0-9A-F]{2,40}$/.test(c.serial)) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered no ${what} serial`);
  return { serial: c.serial, der: derOfPem(c.pem, what), caDer: derOfPem(c.caPem, `${what} CA`) };
}

/**
 * The certification service's phone-issuance API over HTTP (`POST /api/v1/phone-certificates`) with the
 * SP-TSM's operator token (and status, holder revocation, factory-reset revocation): the boundary between the SP and the CA is a real one, as between two
 * organisations. A refusal (4xx problem) is `ERR_TSM_CA_REFUSED` carrying the service's code in its
 * message; no answer, a 5xx or a malformed answer is `ERR_TSM_CA_UNAVAILABLE`.
 */
export class HttpPhoneCertifier implements PhoneCertifier {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: { baseUrl: string; token: string; fetch?: typeof fetch }) {
    this.#base = options.baseUrl.replace(/\/$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  async #call(method: string, path: string, payload: unknown, bearer: boolean): Promise<{ status: number; body: Record<string, unknown> }> {
    let res: Response;
    let body: Record<string, unknown>;
    try {
      res = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${this.#token}` } : {}) },
        ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      body = (await res.json()) as Record<string, unknown>;
    } catch (err) {
      throw new TsmError('ERR_TSM_CA_UNAVAILABLE', 'the certification service did not answer', { cause: err });
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 404) {
      throw new TsmError('ERR_TSM_CA_REFUSED', `${String(body.code)}: ${String(body.detail)}`);
    }
    if (res.status >= 500) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${res.status}`);
    return { status: res.status, body };
  }

  async status(serial: string): Promise<CertificateStatus | undefined> {
    if (!/^[0-9A-F]{2,40}$/.test(serial)) throw new TsmError('ERR_TSM_REQUEST', 'not a certificate serial');
    const { status, body } = await this.#call('GET', `/api/v1/certificates/${serial}`, undefined, true);
    if (status === 404) return undefined;
    if (status !== 200 || !['good', 'held', 'revoked'].includes(String(body.status))) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${status} for ${serial}`);
    return {
      serial,
      hierarchy: body.hierarchy === 'sign' ? 'sign' : 'auth',
      device: body.device === 'card' ? 'card' : 'phone',
      personId: String(body.personId),
      seId: typeof body.seId === 'string' ? body.seId : null,
      status: body.status as CertificateStatus['status'],
      reason: typeof body.reason === 'number' ? body.reason : null,
      der: derOfPem(body.pem, serial),
    };
  }

  async holderRevoke(request: Uint8Array, signature: Uint8Array): Promise<string[]> {
    const payload = { request: Buffer.from(request).toString('base64'), signature: Buffer.from(signature).toString('base64') };
    return serialsOf(await this.#call('POST', '/api/v1/holder/revocations', payload, false));
  }

  async revokeElement(seId: string): Promise<string[]> {
    return serialsOf(await this.#call('POST', `/api/v1/elements/${encodeURIComponent(seId)}/revocations`, { reason: 'cessationOfOperation' }, true));
  }

  async authoriseSecretReset(request: PhoneCertificationRequest): Promise<SecretResetAuthorisation> {
    const { status, body } = await this.#call(
      'POST',
      '/api/v1/phone-secret-resets',
      {
        request: Buffer.from(request.application).toString('base64'),
        signature: Buffer.from(request.signature).toString('base64'),
        cardCertificate: Buffer.from(request.cardCertificate).toString('base64'),
      },
      true,
    );
    if (status === 404) throw new TsmError('ERR_TSM_CA_REFUSED', `${String(body.code)}: ${String(body.detail)}`);
    const secrets = body.secrets;
    const serials = Array.isArray(body.serials) ? body.serials.filter((s): s is string => typeof s === 'string') : [];
    if (status !== 200 || (secrets !== 'pin' && secrets !== 'password' && secrets !== 'both') || serials.length !== 2) {
      throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${status}`);
    }
    return { personId: String(body.personId), cardSerial: String(body.cardSerial), seId: String(body.seId), secrets, serials };
  }

  async issuePhone(request: PhoneCertificationRequest): Promise<CertifiedPhone> {
    const { status, body } = await this.#call(
      'POST',
      '/api/v1/phone-certificates',
      {
        application: Buffer.from(request.application).toString('base64'),
        signature: Buffer.from(request.signature).toString('base64'),
        cardCertificate: Buffer.from(request.cardCertificate).toString('base64'),
      },
      true,
    );
    if (status === 404) throw new TsmError('ERR_TSM_CA_REFUSED', `${String(body.code)}: ${String(body.detail)}`);
    if (status !== 201) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${status}`);
    const superseded = Array.isArray(body.superseded) ? body.superseded.filter((s): s is string => typeof s === 'string') : [];
    return {
      personId: String(body.personId),
      cardSerial: String(body.cardSerial),
      seId: String(body.seId),
      superseded,
      sign: certified(body.sign, 'signature'),
      auth: certified(body.auth, 'user-authentication'),
    };
  }
}

function serialsOf(r: { status: number; body: Record<string, unknown> }): string[] {
  if (r.status === 404) throw new TsmError('ERR_TSM_CA_REFUSED', `${String(r.body.code)}: ${String(r.body.detail)}`);
  if (r.status !== 200 || !Array.isArray(r.body.revoked)) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${r.status}`);
  return r.body.revoked.filter((s): s is string => typeof s === 'string');
}

/** `ERR_TSM_RESPONSE_INVALID` unless the certificate is for the public key the applet generated. */
export function checkCertifies(der: Uint8Array, spki: Uint8Array, what: string): void {
  let parsed;
  try {
    parsed = parseCertificate(der);
  } catch (err) {
    throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the ${what} certificate does not parse`, { cause: err });
  }
  if (!bytesEqual(parsed.subjectPublicKeyInfo, spki)) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the ${what} certificate is not for the key the applet generated`);
}
