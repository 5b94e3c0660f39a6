import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { MemoryCardStore } from '../../src/card/index.js';
import { IdCard, issueCard, type CardCertificateRequest, type CardCertificates, type IdCardState } from '../../src/devices/id-card/index.js';
import { parseCertificate } from '../../src/pki/x509/index.js';
import { RelyingParty, type DigestInfoSigner, type FetchFunction, type RelyingPartyOptions, type TrustAnchorsInput } from '../../src/sdk/index.js';
import { JpkiApClient } from '../../src/transports/index.js';
import { DEFAULT_PERSON, type JpkiHarness } from '../helpers/jpki.js';
import { PASSWORD, PIN, TEST_KDF } from '../devices/id-card/helpers.js';

/**
 * Fixtures of the SDK tests (no test of its own): trust anchors taken from a running certification
 * service, a fetch that counts and can fail, an Individual Number Card issued by that service and
 * reached through the JPKI-AP client, and a DigestInfo signer for keys held in node:crypto (a phone's
 * secure element signs the same way: PKCS#1 v1.5 type-1 padding of the DigestInfo it receives).
 */

export { PASSWORD, PIN };

/** Every CA generation of the service, by hierarchy, as PEM text (what a relying party configures). */
export function anchorsOf(h: JpkiHarness): TrustAnchorsInput {
  const out = { sign: [] as { certificate: Uint8Array; label: string }[], auth: [] as { certificate: Uint8Array; label: string }[] };
  for (const g of h.service.ctx.authority.all()) out[g.hierarchy].push({ certificate: g.certificate, label: `${g.hierarchy}-${g.generation}` });
  return out;
}

export interface CountingFetch {
  readonly fetch: FetchFunction;
  /** Every URL asked for, in order (also the failed ones). */
  readonly calls: string[];
  count(pattern: RegExp): number;
}

/** The global fetch, counted; `fail(url)` true makes a request fail as an unreachable host does. */
export function countingFetch(fail: (url: string) => boolean = () => false): CountingFetch {
  const calls: string[] = [];
  return {
    calls,
    count: (pattern) => calls.filter((u) => pattern.test(u)).length,
    fetch: async (url, init) => {
      calls.push(url);
      if (fail(url)) throw new TypeError('fetch failed (connection refused)');
      return fetch(url, init);
    },
  };
}

/** A relying party trusting every generation of `h`, with a counted fetch unless one is given. */
export function relyingParty(h: JpkiHarness, options: Partial<RelyingPartyOptions> = {}): { rp: RelyingParty; fetch: CountingFetch } {
  const counted = countingFetch();
  const rp = new RelyingParty({
    trustAnchors: anchorsOf(h),
    rpId: 'portal.jpki-mobile.test',
    ...options,
    status: { fetch: counted.fetch, ...options.status },
  });
  return { rp, fetch: counted };
}

/** What the SE or a server key does with a DigestInfo: type-1 pad and sign (RSASSA-PKCS1-v1_5 over the hash inside). */
export function keySigner(key: KeyObject): DigestInfoSigner {
  return (digestInfo) => new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
}

/** The municipal office's issuance through the service, as the card CLI passes it. */
export function officeIssuer(h: JpkiHarness) {
  return async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await h.service.issueCard({ kind: 'office', id: 'office-1' }, req);
    const ca = (der: Uint8Array) => h.service.ctx.authority.issuerOf(parseCertificate(der))!.certificate;
    return { personId: r.personId, cardId: r.cardId, signCertificate: r.sign.der, authCertificate: r.auth.der, signCaCertificate: ca(r.sign.der), authCaCertificate: ca(r.auth.der) };
  };
}

/** An Individual Number Card issued by the service (keys generated in the card), and its JPKI-AP client. */
export async function emulatedCard(h: JpkiHarness): Promise<{ state: IdCardState; client: () => Promise<JpkiApClient> }> {
  const state = await issueCard({ person: DEFAULT_PERSON, cardExpiry: '2035-12-31', pin: PIN, password: PASSWORD }, officeIssuer(h), { kdf: TEST_KDF });
  return {
    state,
    /** A fresh power-up of the card, reached in process through the JPKI-AP client. */
    async client() {
      const card = new IdCard(structuredClone(state), new MemoryCardStore<IdCardState>(structuredClone(state)));
      await card.powerOn();
      return new JpkiApClient({ transmit: (c) => card.transmit(c) });
    },
  };
}

/** Waits until `check` resolves true (the OCSP responder follows the change feed within a second). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
