import { createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { bytesEqual, fromHex, toHex } from '../../bytes/index.js';
import { addYears, decodeBasicFour, jstDate, nthBirthdayAfter, parseCertificate, type BasicFour, type IsoDate } from '../../pki/x509/index.js';
import { AVAILABILITY_BOTH, EF, JPKI_AID, PIN_RULES, TOKEN_LABEL_CARD, type PinFid } from '../applets/jpki/constants.js';
import { ID_CARD_ATR } from './constants.js';
import { IdCardError } from './errors.js';
import { DEFAULT_SCRYPT_COST, hashSecret, type ScryptCost } from './secret.js';
import { ID_CARD_FORMAT, isLongFormCertificate, parseIdCardState, type IdCardState, type PinRecord } from './state.js';
import { tokenInfo } from './token-info.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * What the card asks of the certification service at the municipal office (flow 1): certificates for
 * the two public keys it generated. The shape is the service's card issuance request, so the CLI or a
 * test passes a function that calls the service as an office; the card never imports the service.
 */
export interface CardCertificateRequest {
  readonly person: BasicFour;
  /** The person at the service, for a renewal (the service then supersedes the old certificates). */
  readonly personId?: string;
  readonly cardExpiry: IsoDate;
  /** DER SubjectPublicKeyInfo of the keys generated in the card. */
  readonly signPublicKey: Uint8Array;
  readonly authPublicKey: Uint8Array;
}

export interface CardCertificates {
  readonly personId: string;
  readonly cardId: string;
  /** DER certificates: the card's two, and the CA certificates that issued them. */
  readonly signCertificate: Uint8Array;
  readonly authCertificate: Uint8Array;
  readonly signCaCertificate: Uint8Array;
  readonly authCaCertificate: Uint8Array;
}

export type IssueCertificates = (request: CardCertificateRequest) => Promise<CardCertificates>;

export interface OfficeOptions {
  /** scrypt cost of the PIN hashes (default N = 16384, r = 8, p = 1). */
  readonly kdf?: ScryptCost;
  readonly clock?: () => Date;
}

export interface IssueCardParams {
  readonly person: BasicFour;
  readonly cardExpiry: IsoDate;
  /** User-authentication PIN, 4 digits. */
  readonly pin: string;
  /** Signature password, 6 to 16 of A-Z 0-9. */
  readonly password: string;
  /** Another ATR among the real ones (jpki-ap.md 1.1); default OpenSC's `3B E0 00 FF 81 31 FE 45 14`. */
  readonly atr?: Uint8Array;
}

/** `ERR_ID_CARD_PIN_FORMAT` / `ERR_ID_CARD_PASSWORD_FORMAT` unless the value fits its EF's rule (jpki-ap.md 2). */
export function checkPinFormat(fid: PinFid, value: string): void {
  if (PIN_RULES[fid].pattern.test(value)) return;
  if (fid === EF.AUTH_PIN) throw new IdCardError('ERR_ID_CARD_PIN_FORMAT', 'the user-authentication PIN is exactly 4 digits');
  throw new IdCardError('ERR_ID_CARD_PASSWORD_FORMAT', 'the signature password is 6 to 16 characters of A-Z and 0-9');
}

/**
 * The card's default expiry (www2.jpki.go.jp FAQ): the 10th birthday after issuance for a holder of 18
 * or more, the 5th for a minor.
 */
export function defaultCardExpiry(birthDate: IsoDate, now: Date): IsoDate {
  const adult = addYears(birthDate, 18) <= jstDate(now);
  return nthBirthdayAfter(now, birthDate, adult ? 10 : 5);
}

async function newKeyPair(): Promise<{ key: KeyObject; spki: Uint8Array }> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return { key: privateKey, spki: new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })) };
}

function pkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function certificateProblem(label: string, der: Uint8Array, spki?: Uint8Array): string | undefined {
  if (!(der instanceof Uint8Array) || !isLongFormCertificate(der)) return `${label} is not a DER certificate of 256..65539 bytes with a 30 82 header`;
  let parsed;
  try {
    parsed = parseCertificate(der);
  } catch {
    return `${label} does not parse`;
  }
  if (spki && !bytesEqual(parsed.subjectPublicKeyInfo, spki)) return `${label} does not certify the key generated in the card`;
  return undefined;
}

/** Asks the service and checks that what comes back fits the card: the right keys, the `30 82` form. */
async function certify(issueCertificates: IssueCertificates, request: CardCertificateRequest): Promise<CardCertificates> {
  const issued = await issueCertificates(request);
  const problem =
    certificateProblem('the signature certificate', issued.signCertificate, request.signPublicKey) ??
    certificateProblem('the user-authentication certificate', issued.authCertificate, request.authPublicKey) ??
    certificateProblem('the signature CA certificate', issued.signCaCertificate) ??
    certificateProblem('the user-authentication CA certificate', issued.authCaCertificate);
  if (problem) throw new IdCardError('ERR_ID_CARD_CERTIFICATES', problem);
  return issued;
}

async function pinRecord(fid: PinFid, value: string, cost: ScryptCost): Promise<PinRecord> {
  checkPinFormat(fid, value);
  const max = PIN_RULES[fid].maxTries;
  return { ...(await hashSecret(new TextEncoder().encode(value), cost)), triesLeft: max, maxTries: max };
}

function certificateFiles(c: CardCertificates) {
  return {
    [EF.SIGN_CERT]: toHex(c.signCertificate),
    [EF.SIGN_CA_CERT]: toHex(c.signCaCertificate),
    [EF.AUTH_CERT]: toHex(c.authCertificate),
    [EF.AUTH_CA_CERT]: toHex(c.authCaCertificate),
  };
}

/**
 * Issues a card at the municipal office (flow 1): checks the PIN and password formats, generates both
 * RSA-2048 key pairs in the card, has the service certify them, and personalises the JPKI-AP — the
 * four certificates, token information, availability, keys, PIN and password with full counters.
 * Returns the card document; the caller stores it (`FileCardStore.create`).
 */
export async function issueCard(params: IssueCardParams, issueCertificates: IssueCertificates, options: OfficeOptions = {}): Promise<IdCardState> {
  const cost = options.kdf ?? DEFAULT_SCRYPT_COST;
  checkPinFormat(EF.AUTH_PIN, params.pin);
  checkPinFormat(EF.SIGN_PASSWORD, params.password);
  const now = (options.clock ?? (() => new Date()))();
  const [sign, auth] = await Promise.all([newKeyPair(), newKeyPair()]);
  const issued = await certify(issueCertificates, { person: params.person, cardExpiry: params.cardExpiry, signPublicKey: sign.spki, authPublicKey: auth.spki });
  const state: IdCardState = {
    format: ID_CARD_FORMAT,
    atr: toHex(params.atr ?? ID_CARD_ATR),
    holder: {
      personId: issued.personId,
      cardId: issued.cardId,
      cardExpiry: params.cardExpiry,
      person: decodeBasicFour(issued.signCertificate) ?? params.person,
      issuedAt: now.toISOString(),
    },
    jpki: {
      aid: toHex(JPKI_AID),
      files: {
        ...certificateFiles(issued),
        [EF.TOKEN_INFO]: toHex(tokenInfo({ label: TOKEN_LABEL_CARD, serialNumber: toHex(randomBytes(8)) })),
        [EF.AVAILABILITY]: toHex(AVAILABILITY_BOTH),
        [EF.AUTH_KEY]: pkcs8(auth.key),
        [EF.SIGN_KEY]: pkcs8(sign.key),
        [EF.AUTH_PIN]: await pinRecord(EF.AUTH_PIN, params.pin, cost),
        [EF.SIGN_PASSWORD]: await pinRecord(EF.SIGN_PASSWORD, params.password, cost),
      },
    },
  };
  return parseIdCardState(state);
}

/**
 * Renews the certificates of a card (jpki-ap.md 3.3): new key pairs generated in the card, new
 * certificates for the same person (the service supersedes the old ones, and their phone
 * certificates with them). `person` carries changed basic four information (an address change: the
 * office revokes the signature certificate with affiliationChanged, then renews). PIN, password and
 * their counters stay.
 */
export async function renew(card: IdCardState, issueCertificates: IssueCertificates, options: OfficeOptions & { person?: BasicFour } = {}): Promise<IdCardState> {
  const current = parseIdCardState(card);
  const now = (options.clock ?? (() => new Date()))();
  const [sign, auth] = await Promise.all([newKeyPair(), newKeyPair()]);
  const issued = await certify(issueCertificates, {
    person: options.person ?? current.holder.person,
    personId: current.holder.personId,
    cardExpiry: current.holder.cardExpiry,
    signPublicKey: sign.spki,
    authPublicKey: auth.spki,
  });
  return parseIdCardState({
    ...current,
    holder: {
      ...current.holder,
      personId: issued.personId,
      cardId: issued.cardId,
      person: decodeBasicFour(issued.signCertificate) ?? options.person ?? current.holder.person,
      renewedAt: now.toISOString(),
    },
    jpki: {
      ...current.jpki,
      files: { ...current.jpki.files, ...certificateFiles(issued), [EF.AUTH_KEY]: pkcs8(auth.key), [EF.SIGN_KEY]: pkcs8(sign.key) },
    },
  });
}

async function reinitialise(card: IdCardState, fid: PinFid, value: string, options: OfficeOptions): Promise<IdCardState> {
  const current = parseIdCardState(card);
  const cost = options.kdf ?? { N: current.jpki.files[fid].N, r: current.jpki.files[fid].r, p: current.jpki.files[fid].p };
  const record = await pinRecord(fid, value, cost);
  return parseIdCardState({ ...current, jpki: { ...current.jpki, files: { ...current.jpki.files, [fid]: record } } });
}

/**
 * Re-initialises the user-authentication PIN at the office, after the holder's identity has been
 * checked (jpki-ap.md 2: there is no PUK): a new value, the counter back to 3, blocked or not.
 */
export function reinitialisePin(card: IdCardState, newPin: string, options: OfficeOptions = {}): Promise<IdCardState> {
  return reinitialise(card, EF.AUTH_PIN, newPin, options);
}

/** The same for the signature password (counter back to 5). */
export function reinitialisePassword(card: IdCardState, newPassword: string, options: OfficeOptions = {}): Promise<IdCardState> {
  return reinitialise(card, EF.SIGN_PASSWORD, newPassword, options);
}

/** RFC 5280 CRLReason affiliationChanged: a basic-four item changed. */
const AFFILIATION_CHANGED = 3;

/**
 * The serials (uppercase hex) the office asks the service to revoke for a card, given a CRLReason
 * code: a change of the basic four (affiliationChanged, e.g. moving) revokes only the signature
 * certificate — the user-authentication certificate carries none of it and survives (jpki-ap.md
 * 3.3); any other reason (loss, death, request) revokes both.
 */
export function revocationTargets(card: IdCardState, reason: number): { sign: string; auth?: string } {
  const files = parseIdCardState(card).jpki.files;
  const serial = (hex: string) => parseCertificate(fromHex(hex)).serialNumberHex;
  const sign = serial(files[EF.SIGN_CERT]);
  return reason === AFFILIATION_CHANGED ? { sign } : { sign, auth: serial(files[EF.AUTH_CERT]) };
}

export interface CertificateSummary {
  readonly serial: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface PinSummary {
  readonly triesLeft: number;
  readonly maxTries: number;
  readonly blocked: boolean;
}

/** What `jpki-mobile card show` prints: everything but secrets. */
export interface CardSummary {
  readonly holder: IdCardState['holder'];
  readonly atr: string;
  readonly sign: CertificateSummary;
  readonly auth: CertificateSummary;
  readonly pin: PinSummary;
  readonly password: PinSummary;
}

export function summariseCard(card: IdCardState): CardSummary {
  const state = parseIdCardState(card);
  const files = state.jpki.files;
  const cert = (hex: string): CertificateSummary => {
    const c = parseCertificate(fromHex(hex));
    return { serial: c.serialNumberHex, subject: c.subjectString, issuer: c.issuerString, notBefore: c.notBefore, notAfter: c.notAfter };
  };
  const pin = (r: PinRecord): PinSummary => ({ triesLeft: r.triesLeft, maxTries: r.maxTries, blocked: r.triesLeft === 0 });
  return {
    holder: state.holder,
    atr: state.atr,
    sign: cert(files[EF.SIGN_CERT]),
    auth: cert(files[EF.AUTH_CERT]),
    pin: pin(files[EF.AUTH_PIN]),
    password: pin(files[EF.SIGN_PASSWORD]),
  };
}
