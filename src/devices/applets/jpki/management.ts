import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SW, throwSw } from '../../../apdu/index.js';
import { bytesEqual, fromHex, toHex } from '../../../bytes/index.js';
import { parseCertificate } from '../../../pki/x509/index.js';
import { decodeTlv, encodeTlv, tlv, type Tlv } from '../../../tlv/index.js';
import type { SeAppletHost } from '../../secure-element/contract.js';
import type { JpkiAppletData, JpkiAppletDraft } from './applet-data.js';
import { isLongFormCertificate } from './certificate-file.js';
import { CERTIFICATE_FIDS, EF, KEY_CERTIFICATE, KEY_FIDS, PIN_FIDS, PIN_RULES, type CertificateFid, type KeyFid, type PinFid } from './constants.js';
import { INNER, MAX_CERTIFICATE_LENGTH, STATUS, TAG } from './management-format.js';
import { hashSecret, type ScryptCost } from './secret.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** What carrying out a management data object needs besides its bytes. */
export interface ManagementContext {
  readonly host: SeAppletHost<JpkiAppletData>;
  /** scrypt cost of the PIN records it writes. */
  readonly kdf: ScryptCost;
  /** The private key of a key EF, if there is one (cached by the applet). */
  privateKey(fid: KeyFid): KeyObject | undefined;
}

/** An RSA-2048 key pair generated inside, e = 65537 (jpki-ap.md 3.2: keys generated on the card). */
async function newPrivateKey(): Promise<KeyObject> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return privateKey;
}

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

function edit(ctx: ManagementContext, change: (draft: JpkiAppletDraft) => void): void {
  ctx.host.update((d) => change(d as JpkiAppletDraft));
}

/**
 * The children of a command data object, exactly the tags `expected` in that order, primitive, each
 * once: anything else is '6A80'.
 */
function fields(node: Tlv, expected: readonly number[]): Uint8Array[] {
  if (!node.constructed || node.children.length !== expected.length) throwSw(SW.INCORRECT_DATA);
  return expected.map((tag, i) => {
    const child = node.children[i]!;
    if (child.tag !== tag || child.constructed) throwSw(SW.INCORRECT_DATA);
    return child.value;
  });
}

function fidIn<F extends string>(bytes: Uint8Array, allowed: readonly F[]): F {
  if (bytes.length !== 2) throwSw(SW.INCORRECT_DATA);
  const fid = toHex(bytes);
  if (!(allowed as readonly string[]).includes(fid)) throwSw(SW.INCORRECT_DATA);
  return fid as F;
}

function publicKeyResponse(tag: number, fid: KeyFid, key: KeyObject): Uint8Array {
  return encodeTlv(tlv(tag, [tlv(INNER.FID, fromHex(fid)), tlv(INNER.CONTENT, spkiOf(key))]));
}

/** The key EF whose end-entity certificate is `fid`, for PUT CERTIFICATE and REVOKE. */
function keyOfCertificate(fid: CertificateFid): KeyFid | undefined {
  return KEY_FIDS.find((k) => KEY_CERTIFICATE[k].certificate === fid);
}

/**
 * Carries out one management data object (management-format.ts) and returns its response data, if any.
 * Every change goes through `host.update`, so the element saves all of a STORE DATA block's changes
 * or, after an error status word, none of them. Refusals are status words:
 *
 * - a data object that is not exactly its documented children → '6A80' (also: a FID outside the
 *   command's set, a PIN value outside its format, a certificate that is not a `30 82` DER certificate
 *   of at most 8192 bytes, an end-entity certificate that does not certify the key in the EF);
 * - PUT CERTIFICATE of an end-entity certificate with no key generated, or its key revoked → '6985';
 * - REVOKE or GET PUBLIC KEY with nothing in the EF → '6A88'; GET PUBLIC KEY of a revoked key → '6984'.
 */
export async function executeManagement(object: Uint8Array, ctx: ManagementContext): Promise<Uint8Array | undefined> {
  let node: Tlv;
  try {
    node = decodeTlv(object, { maxDepth: 2 });
  } catch {
    throwSw(SW.INCORRECT_DATA);
  }
  switch (node.tag) {
    case TAG.GENERATE_KEY_PAIR: {
      const [fid] = fields(node, [INNER.FID]);
      return generate(fidIn(fid!, KEY_FIDS), ctx);
    }
    case TAG.PUT_CERTIFICATE: {
      const [fid, der] = fields(node, [INNER.FID, INNER.CONTENT]);
      putCertificate(fidIn(fid!, CERTIFICATE_FIDS), der!, ctx);
      return undefined;
    }
    case TAG.SET_REFERENCE_DATA: {
      const [fid, value] = fields(node, [INNER.FID, INNER.CONTENT]);
      await setReferenceData(fidIn(fid!, PIN_FIDS), value!, ctx);
      return undefined;
    }
    case TAG.REVOKE: {
      const [fid] = fields(node, [INNER.FID]);
      revoke(keyOfCertificate(fidIn(fid!, [EF.SIGN_CERT, EF.AUTH_CERT]))!, ctx);
      return undefined;
    }
    case TAG.WIPE:
      fields(node, []);
      // Everything goes, the serial too: a wiped phone shows nothing that linked it to its holder.
      edit(ctx, (d) => {
        delete d.serial;
        d.keys = {};
        d.certificates = {};
        d.pins = {};
      });
      return undefined;
    case TAG.GET_PUBLIC_KEY: {
      const [fid] = fields(node, [INNER.FID]);
      const keyFid = fidIn(fid!, KEY_FIDS);
      const entry = ctx.host.data.keys[keyFid];
      if (entry === undefined) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
      if ('revoked' in entry) throwSw(SW.REFERENCE_DATA_NOT_USABLE);
      return publicKeyResponse(TAG.GET_PUBLIC_KEY, keyFid, ctx.privateKey(keyFid)!);
    }
    case TAG.GET_STATE:
      fields(node, []);
      return stateResponse(ctx.host.data);
    default:
      return throwSw(SW.INCORRECT_DATA);
  }
}

/**
 * GENERATE KEY PAIR: a new RSA-2048 key in the EF (replacing any, revoked or not); the certificate of
 * the old key goes with it, as it no longer certifies the EF's key. The PIN stays. The token serial
 * is drawn from the element's RNG the first time.
 */
async function generate(fid: KeyFid, ctx: ManagementContext): Promise<Uint8Array> {
  const key = await newPrivateKey();
  const pkcs8 = toHex(new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })));
  const serial = ctx.host.data.serial ?? toHex(ctx.host.random(8));
  edit(ctx, (d) => {
    d.serial = serial;
    d.keys[fid] = { pkcs8 };
    delete d.certificates[KEY_CERTIFICATE[fid].certificate];
  });
  return publicKeyResponse(TAG.GENERATE_KEY_PAIR, fid, key);
}

/** PUT CERTIFICATE: a CA certificate at any time; an end-entity certificate only for the key in its slot. */
function putCertificate(fid: CertificateFid, der: Uint8Array, ctx: ManagementContext): void {
  if (der.length > MAX_CERTIFICATE_LENGTH || !isLongFormCertificate(der)) throwSw(SW.INCORRECT_DATA);
  let spki: Uint8Array;
  try {
    spki = parseCertificate(der).subjectPublicKeyInfo;
  } catch {
    throwSw(SW.INCORRECT_DATA);
  }
  const keyFid = keyOfCertificate(fid);
  if (keyFid !== undefined) {
    const key = ctx.privateKey(keyFid);
    if (key === undefined) throwSw(SW.CONDITIONS_NOT_SATISFIED);
    if (!bytesEqual(spki, spkiOf(key))) throwSw(SW.INCORRECT_DATA);
  }
  const hex = toHex(der);
  edit(ctx, (d) => {
    d.certificates[fid] = hex;
  });
}

/** SET REFERENCE DATA: the initial value, or a reset (new value, counter back to its maximum, blocked or not). */
async function setReferenceData(fid: PinFid, value: Uint8Array, ctx: ManagementContext): Promise<void> {
  if (!PIN_RULES[fid].pattern.test(new TextDecoder('latin1').decode(value))) throwSw(SW.INCORRECT_DATA);
  const hashed = await hashSecret(value, ctx.kdf, (n) => ctx.host.random(n));
  const max = PIN_RULES[fid].maxTries;
  edit(ctx, (d) => {
    d.pins[fid] = { ...hashed, triesLeft: max, maxTries: max };
  });
}

/**
 * REVOKE: the certificate was revoked by the CA; the private key is destroyed (removed from the data,
 * so no copy of it remains in the element's state) and the EF marked revoked, so the signing command
 * answers '6984'. The certificate stays readable. Revoking again is harmless; an empty slot is '6A88'.
 */
function revoke(fid: KeyFid, ctx: ManagementContext): void {
  if (ctx.host.data.keys[fid] === undefined) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
  edit(ctx, (d) => {
    d.keys[fid] = { revoked: true };
  });
}

function stateResponse(data: JpkiAppletData): Uint8Array {
  const entry = (fid: string, status: number, extra: Tlv[] = []) =>
    tlv(INNER.ENTRY, [tlv(INNER.FID, fromHex(fid)), tlv(INNER.STATUS, Uint8Array.of(status)), ...extra]);
  const entries: Tlv[] = [];
  for (const fid of KEY_FIDS) {
    const k = data.keys[fid];
    entries.push(entry(fid, k === undefined ? STATUS.ABSENT : 'revoked' in k ? STATUS.REVOKED : STATUS.PRESENT));
  }
  for (const fid of CERTIFICATE_FIDS) entries.push(entry(fid, data.certificates[fid] === undefined ? STATUS.ABSENT : STATUS.PRESENT));
  for (const fid of PIN_FIDS) {
    const p = data.pins[fid];
    entries.push(p === undefined ? entry(fid, STATUS.ABSENT) : entry(fid, STATUS.PRESENT, [tlv(INNER.TRIES_LEFT, Uint8Array.of(p.triesLeft))]));
  }
  return encodeTlv(tlv(TAG.GET_STATE, entries));
}
