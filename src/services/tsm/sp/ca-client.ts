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

export interface PhoneCertifier {
  issuePhone(request: PhoneCertificationRequest): Promise<CertifiedPhone>;
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
 * SP-TSM's operator token: the boundary between the SP and the CA is a real one, as between two
 * organisations. A refusal (4xx problem) is `ERR_TSM_CA_REFUSED` carrying the service's code in its
 * message; no answer, a 5xx or a malformed answer is `ERR_TSM_CA_UNAVAILABLE`.
 */
export class HttpPhoneCertifier implements PhoneCertifier {
  readonly #url: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: { baseUrl: string; token: string; fetch?: typeof fetch }) {
    this.#url = `${options.baseUrl.replace(/\/$/, '')}/api/v1/phone-certificates`;
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  async issuePhone(request: PhoneCertificationRequest): Promise<CertifiedPhone> {
    let res: Response;
    let body: Record<string, unknown>;
    try {
      res = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
        body: JSON.stringify({
          application: Buffer.from(request.application).toString('base64'),
          signature: Buffer.from(request.signature).toString('base64'),
          cardCertificate: Buffer.from(request.cardCertificate).toString('base64'),
        }),
        signal: AbortSignal.timeout(30_000),
      });
      body = (await res.json()) as Record<string, unknown>;
    } catch (err) {
      throw new TsmError('ERR_TSM_CA_UNAVAILABLE', 'the certification service did not answer', { cause: err });
    }
    if (res.status >= 400 && res.status < 500) {
      throw new TsmError('ERR_TSM_CA_REFUSED', `${String(body.code)}: ${String(body.detail)}`);
    }
    if (res.status !== 201) throw new TsmError('ERR_TSM_CA_UNAVAILABLE', `the certification service answered ${res.status}`);
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
