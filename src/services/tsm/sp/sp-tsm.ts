import { createHash, randomBytes } from 'node:crypto';
import type { ResponseApdu } from '../../../apdu/index.js';
import { toHex } from '../../../bytes/index.js';
import type { Database, Queryable } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import { Sealer } from '../sealing.js';
import type { Handover } from '../sei/sei-tsm.js';
import type { CertifiedPhone, PhoneCertificationRequest, PhoneCertifier, SecretResetAuthorisation } from './ca-client.js';
import { EF } from '../../../devices/applets/jpki/index.js';
import { parseHolderRevocationRequest, parsePhoneSecretResetRequest, type SecretsToReset } from '../../jpki/application.js';
import { storeApsdKeys, type SpContext } from './context.js';
import { issuanceApplication, issuanceBegin, issuanceFailed, issuanceFinish, issuanceGenerate, issuancePersonalize } from './issuance.js';
import {
  appCertificateAllowed,
  appInstanceByCredential,
  getSpElement,
  insertAppCertificate,
  insertAppInstance,
  listOrders,
  resetSpElement,
  type AppInstanceRow,
  type OrderRow,
} from './repository.js';
import { lastClearedAt, orderView, ordersOfPerson, type DeletionOrderView } from './deletion-orders.js';
import { checkHolderSignature, revokeBegin, revokeFinish, revokeRequest, revokeWipe } from './holder-revocation.js';
import { maintenanceAct, maintenanceBegin, maintenanceFinish, type RevokedMark } from './maintenance.js';
import { OrderDesk, type PushPort } from './order-desk.js';
import { checkAuthorisation, secretResetBegin, secretResetFinish, secretResetRequest, secretResetWrite } from './secret-reset.js';
import { takeOverBegin, takeOverFinish, takeOverRotate } from './take-over.js';
import type { TemporarySecrets } from './temporary-secrets.js';

export interface SpTsmOptions {
  readonly db: Database;
  /** The SP's storage secret (32 bytes): seals its APSD keys and session state. */
  readonly storageSecret: Uint8Array;
  /** The certification service, as the SP-TSM reaches it (HttpPhoneCertifier). */
  readonly ca: PhoneCertifier;
  readonly random?: (length: number) => Uint8Array;
  readonly clock?: () => Date;
  /** The push service as a sender (PushSender with the SP-TSM's sender token): deletion orders wake the app. */
  readonly push?: PushPort;
  /** Time to live of a deletion order's push message (default 7 days). */
  readonly pushTtlSeconds?: number;
}

/** An app instance as the relay sees it once authenticated. */
export interface AppInstance {
  readonly id: string;
  readonly seId: string;
  readonly appCertificateHash: string;
}

const SHA256_HEX = /^[0-9A-F]{64}$/;
const CREDENTIAL = /^tsmapp_[A-Za-z0-9_-]{43}$/;

function credentialHash(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('hex');
}

/**
 * The JPKI service provider's TSM: the app instances it serves (registered with a credential the app
 * keeps), the APSD key sets it holds (taken over from the SEI and rotated at once), its orders, and its
 * scripts (take-over.ts, issuance.ts). It holds no key of the SEI.
 */
export class SpTsm {
  readonly #db: Database;
  readonly #ctx: SpContext;
  /** The deletion orders (order-desk.ts). */
  readonly desk: OrderDesk;

  constructor(options: SpTsmOptions) {
    if (options.storageSecret.length !== 32) throw new TsmError('ERR_TSM_CONFIG', 'the SP storage secret is 32 bytes');
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.#db = options.db;
    this.#ctx = { sealer: new Sealer(options.storageSecret, 'sp', random), ca: options.ca, random, clock: options.clock ?? (() => new Date()) };
    this.desk = new OrderDesk({ db: options.db, clock: this.#ctx.clock, random, ...(options.push ? { push: options.push } : {}), ...(options.pushTtlSeconds !== undefined ? { pushTtlSeconds: options.pushTtlSeconds } : {}) });
  }

  /**
   * The phone certificates the SP last wrote to the element and that are still there: those of its
   * latest completed issuance, unless a deletion order cleared the applet since.
   */
  async currentCertificates(seId: string, q: Queryable = this.#db): Promise<{ sign: string; auth: string; personId: string | null } | undefined> {
    const issued = (await listOrders(q, seId)).filter((o) => o.state === 'completed' && o.sign_serial && o.auth_serial).at(-1);
    if (!issued) return undefined;
    const cleared = await lastClearedAt(q, seId);
    if (cleared !== undefined && cleared >= issued.updated_at) return undefined;
    return { sign: issued.sign_serial!, auth: issued.auth_serial!, personId: issued.person_id };
  }

  /** Flow 12: the element's certificates the CA reports revoked (asked over HTTP, outside any transaction). */
  async revokedMarks(seId: string): Promise<RevokedMark[]> {
    const current = await this.currentCertificates(seId);
    if (!current) return [];
    const marks: RevokedMark[] = [];
    for (const [serial, fid] of [[current.sign, EF.SIGN_CERT], [current.auth, EF.AUTH_CERT]] as const) {
      if ((await this.#ctx.ca.status(serial))?.status === 'revoked') marks.push({ serial, fid });
    }
    return marks;
  }

  /** Flow 7: checks the holder's signature over the session's request, then has the CA revoke (outside any transaction). */
  async holderRevocation(seId: string, application: Uint8Array, signature: Uint8Array): Promise<string[]> {
    const current = await this.currentCertificates(seId);
    const serial = parseHolderRevocationRequest(application).serial;
    if (!current || current.auth !== serial) throw new TsmError('ERR_TSM_HOLDER_SIGNATURE', `certificate ${serial} is not this element's current user-authentication certificate`);
    const cert = await this.#ctx.ca.status(serial);
    if (!cert) throw new TsmError('ERR_TSM_HOLDER_SIGNATURE', `the CA knows no certificate ${serial}`);
    checkHolderSignature(application, signature, cert, seId);
    return this.#ctx.ca.holderRevoke(application, signature);
  }

  /**
   * Flow 5: the card's signature over the session's re-initialisation request goes to the CA (outside
   * any transaction), after the SP checked the request still names the element's current certificates.
   * A card of another person than the certificates' holder is `ERR_TSM_CARD_HOLDER_MISMATCH`.
   */
  async secretReset(seId: string, request: PhoneCertificationRequest): Promise<SecretResetAuthorisation> {
    const current = await this.currentCertificates(seId);
    const parsed = parsePhoneSecretResetRequest(request.application);
    if (!current || parsed.seId !== seId || parsed.signSerial !== current.sign || parsed.authSerial !== current.auth) {
      throw new TsmError('ERR_TSM_NO_CERTIFICATES', `secure element ${seId} no longer holds the certificates the request names`);
    }
    let authorised: SecretResetAuthorisation;
    try {
      authorised = await this.#ctx.ca.authoriseSecretReset(request);
    } catch (err) {
      if (err instanceof TsmError && err.code === 'ERR_TSM_CA_REFUSED' && err.message.startsWith('ERR_JPKI_CARD_HOLDER_MISMATCH')) {
        throw new TsmError('ERR_TSM_CARD_HOLDER_MISMATCH', "the card is not the card of the holder of this phone's certificates", { cause: err });
      }
      throw err;
    }
    checkAuthorisation(request.application, authorised);
    return authorised;
  }

  /** Flow 10: the CA revokes every phone certificate on the element (cessationOfOperation). */
  factoryResetRevocation(seId: string): Promise<string[]> {
    return this.#ctx.ca.revokeElement(seId);
  }

  /** A reset element's APSD was deleted: the SP forgets its keys; a new preparation starts over. */
  async elementCleared(q: Queryable, seId: string): Promise<void> {
    await q.execute('DELETE FROM sp_apsd_keys WHERE se_id = $1', [seId]);
    await q.execute('DELETE FROM sp_elements WHERE se_id = $1', [seId]);
  }

  /** The app instances of an element can no longer be used (the element is being reset). */
  async disableAppInstances(q: Queryable, seId: string): Promise<void> {
    await q.execute('UPDATE sp_app_instances SET disabled_at = $2 WHERE se_id = $1 AND disabled_at IS NULL', [seId, this.#ctx.clock().toISOString()]);
  }

  /**
   * The deletion orders an app should know about (flow 6.4): those of the other elements of the
   * person whose certificates this app's element holds. `deletionNotConfirmed` is true when one of them
   * could not reach its phone: the app tells the user to reset the old phone or bring it to a shop.
   */
  async ordersForApp(app: AppInstance): Promise<{ personId: string | null; orders: DeletionOrderView[]; deletionNotConfirmed: boolean }> {
    const personId = (await this.currentCertificates(app.seId))?.personId ?? null;
    const rows = personId ? (await ordersOfPerson(this.#db, personId)).filter((o) => o.se_id !== app.seId) : [];
    const orders = rows.map(orderView);
    return { personId, orders, deletionNotConfirmed: orders.some((o) => o.deletion === 'not-confirmed') };
  }

  /** Adds (or enables again) the SHA-256 of a JPKI app signing certificate the SP serves. */
  async allowAppCertificate(sha256: string, label: string): Promise<void> {
    const hash = sha256.toUpperCase();
    if (!SHA256_HEX.test(hash)) throw new TsmError('ERR_TSM_REQUEST', 'an app certificate hash is SHA-256 in hex (64 digits)');
    if (!/^[\x20-\x7e]{1,100}$/.test(label)) throw new TsmError('ERR_TSM_REQUEST', 'the label is 1..100 printable ASCII characters');
    await this.#db.transaction((tx) => insertAppCertificate(tx, hash, label, this.#ctx.clock().toISOString()));
  }

  /**
   * Registers an app instance (flow 2 step 1) for an element the SEI knows (the relay checks that):
   * only an app signed with an allowed certificate (`ERR_TSM_APP_NOT_ALLOWED`). The credential is
   * returned once; only its SHA-256 is kept.
   */
  async registerAppInstance(q: Queryable, input: { seId: string; appCertificateHash: string; pushToken?: string }): Promise<{ appInstanceId: string; credential: string }> {
    const hash = input.appCertificateHash.toUpperCase();
    if (!SHA256_HEX.test(hash)) throw new TsmError('ERR_TSM_REQUEST', 'an app certificate hash is SHA-256 in hex (64 digits)');
    if (input.pushToken !== undefined && !/^[\x21-\x7e]{1,512}$/.test(input.pushToken)) throw new TsmError('ERR_TSM_REQUEST', 'a push token is 1..512 printable ASCII characters');
    if (!(await appCertificateAllowed(q, hash))) throw new TsmError('ERR_TSM_APP_NOT_ALLOWED', 'this app signing certificate is not one the SP-TSM serves');
    const appInstanceId = `app_${toHex(this.#ctx.random(12)).toLowerCase()}`;
    const credential = `tsmapp_${Buffer.from(this.#ctx.random(32)).toString('base64url')}`;
    const at = this.#ctx.clock().toISOString();
    await insertAppInstance(q, {
      id: appInstanceId,
      credential_hash: credentialHash(credential),
      se_id: input.seId,
      app_certificate_hash: hash,
      push_token: input.pushToken ?? null,
      created_at: at,
      last_seen_at: at,
      disabled_at: null,
    });
    return { appInstanceId, credential };
  }

  /** The app instance behind `Authorization: Bearer <credential>`, or `ERR_TSM_UNAUTHENTICATED`. */
  async authenticateApp(authorization: string | undefined, q: Queryable = this.#db): Promise<AppInstance> {
    const m = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!m || !CREDENTIAL.test(m[1]!)) throw new TsmError('ERR_TSM_UNAUTHENTICATED', 'an app instance credential is required (Authorization: Bearer tsmapp_…)');
    const row: AppInstanceRow | undefined = await appInstanceByCredential(q, credentialHash(m[1]!));
    if (!row || row.disabled_at !== null) throw new TsmError('ERR_TSM_UNAUTHENTICATED', 'unknown or disabled app instance credential');
    return { id: row.id, seId: row.se_id, appCertificateHash: row.app_certificate_hash };
  }

  /** The SEI → SP hand-over of a new APSD's initial keys (inside the relay's transaction). */
  async acceptInitialKeys(q: Queryable, handover: Handover): Promise<void> {
    await resetSpElement(q, handover.seId, toHex(handover.apsdAid), this.#ctx.clock().toISOString());
    await storeApsdKeys(this.#ctx, q, handover.seId, handover.keys, 'initial');
  }

  async elementState(seId: string, q: Queryable = this.#db) {
    return (await getSpElement(q, seId))?.state;
  }

  async orders(seId?: string): Promise<OrderRow[]> {
    return listOrders(this.#db, seId);
  }

  /** The CA call of issuance, outside any database transaction (the CA writes to its own tables). */
  certify(request: PhoneCertificationRequest): Promise<CertifiedPhone> {
    return this.#ctx.ca.issuePhone(request);
  }

  /** The temporary values of an issuance (both) or a re-initialisation (those reset), sealed in the session. */
  sealSecrets(sessionId: string, secrets: Partial<TemporarySecrets>): Uint8Array {
    return this.#ctx.sealer.sealJson(secrets, `sp-session-secrets:${sessionId}`);
  }

  openSecrets(sessionId: string, sealed: Uint8Array): Partial<TemporarySecrets> {
    return this.#ctx.sealer.openJson<Partial<TemporarySecrets>>(sealed, `sp-session-secrets:${sessionId}`);
  }

  // Scripts, run by the relay inside its transaction `q`.

  takeOverBegin(sessionId: string) {
    return takeOverBegin(this.#ctx, sessionId);
  }

  takeOverRotate(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return takeOverRotate(this.#ctx, q, sessionId, state, seId, responses);
  }

  takeOverFinish(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return takeOverFinish(this.#ctx, q, sessionId, state, seId, responses);
  }

  issuanceBegin(q: Queryable, sessionId: string, seId: string, appInstanceId: string) {
    return issuanceBegin(this.#ctx, q, sessionId, seId, appInstanceId);
  }

  issuanceGenerate(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return issuanceGenerate(this.#ctx, q, sessionId, state, seId, responses);
  }

  issuanceApplication(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return issuanceApplication(this.#ctx, q, sessionId, state, seId, responses);
  }

  issuancePersonalize(q: Queryable, sessionId: string, state: Uint8Array, certified: CertifiedPhone) {
    return issuancePersonalize(this.#ctx, q, sessionId, state, certified);
  }

  issuanceFinish(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return issuanceFinish(this.#ctx, q, sessionId, state, seId, responses);
  }

  issuanceFailed(q: Queryable, sessionId: string, reason: string) {
    return issuanceFailed(this.#ctx, q, sessionId, reason);
  }

  maintenanceBegin(q: Queryable, sessionId: string, seId: string, marks: readonly RevokedMark[]) {
    return maintenanceBegin(this.#ctx, q, sessionId, seId, marks);
  }

  maintenanceAct(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return maintenanceAct(this.#ctx, q, sessionId, state, seId, responses);
  }

  maintenanceFinish(sessionId: string, state: Uint8Array, responses: readonly ResponseApdu[]) {
    return maintenanceFinish(this.#ctx, sessionId, state, responses);
  }

  async revokeBegin(q: Queryable, sessionId: string, seId: string) {
    return revokeBegin(this.#ctx, q, sessionId, seId, (await this.currentCertificates(seId, q))?.auth);
  }

  revokeRequest(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return revokeRequest(this.#ctx, q, sessionId, state, seId, responses);
  }

  revokeWipe(sessionId: string, state: Uint8Array, revoked: readonly string[]) {
    return revokeWipe(this.#ctx, sessionId, state, revoked);
  }

  revokeFinish(sessionId: string, state: Uint8Array, responses: readonly ResponseApdu[]) {
    return revokeFinish(this.#ctx, sessionId, state, responses);
  }

  async secretResetBegin(q: Queryable, sessionId: string, seId: string, secrets: SecretsToReset) {
    return secretResetBegin(this.#ctx, q, sessionId, seId, secrets, await this.currentCertificates(seId, q));
  }

  secretResetRequest(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return secretResetRequest(this.#ctx, q, sessionId, state, seId, responses);
  }

  secretResetWrite(sessionId: string, state: Uint8Array, authorised: SecretResetAuthorisation) {
    return secretResetWrite(this.#ctx, sessionId, state, authorised);
  }

  secretResetFinish(sessionId: string, state: Uint8Array, responses: readonly ResponseApdu[]) {
    return secretResetFinish(this.#ctx, sessionId, state, responses);
  }
}
