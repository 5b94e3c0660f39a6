import { randomBytes } from 'node:crypto';
import { toHex } from '../../../bytes/index.js';
import { verifyAuthToken, type AuthToken } from '../biometrics/auth-token.js';
import { KeystoreError } from './errors.js';
import { IV_LENGTH, open, requireOpen, seal } from './key-blob.js';

/** How an app asks for a key (after Android `KeyGenParameterSpec`); the key is always AES-256-GCM. */
export interface KeySpec {
  /** 1 to 100 printable characters, unique per app. */
  readonly alias: string;
  /** Every use needs a biometric authentication. */
  readonly userAuthenticationRequired: boolean;
  /** Binds the key to the current enrolment generation; any enrolment change invalidates it. Default: `userAuthenticationRequired`. */
  readonly invalidatedByBiometricEnrollment?: boolean;
  /** 0 (default): each operation needs its own authentication; N: any authentication in the last N seconds (1..86400). */
  readonly authValiditySeconds?: number;
}

/** What an app may know of one of its keys (never the material). */
export interface KeyInfo {
  readonly packageName: string;
  readonly alias: string;
  readonly userAuthenticationRequired: boolean;
  readonly invalidatedByBiometricEnrollment: boolean;
  readonly authValiditySeconds: number;
  readonly createdAt: string;
  readonly invalidated: boolean;
}

/** A key in the phone's state document: its parameters and its material sealed under the device key. */
export interface StoredKey extends KeyInfo {
  /** The enrolment generation the key is bound to, `null` when it is not bound. */
  readonly authenticatorId: string | null;
  /** base64 of IV || AES-256-GCM(device key, material, aad = "jpki-mobile/keystore" 0 package 0 alias) || tag. */
  readonly material: string;
}

export interface KeystoreState {
  readonly keys: readonly StoredKey[];
}

export const EMPTY_KEYSTORE: KeystoreState = { keys: [] };

export interface KeystoreOptions {
  /** The phone's hardware key (32 bytes) the key material is sealed under. */
  readonly deviceKey: Uint8Array;
  /** The current per-boot HMAC key shared with the sensor. */
  readonly authKey: () => Uint8Array;
  /** The sensor's current enrolment generation (`undefined`: nothing enrolled). */
  readonly authenticatorId: () => string | undefined;
  readonly clock?: () => Date;
  readonly random?: (length: number) => Uint8Array;
  readonly requireAvailable?: () => void;
  readonly persist?: () => Promise<void>;
}

const ALIAS = /^[^\p{Cc}]{1,100}$/u;
const MAX_VALIDITY = 86_400;
const MAX_TOKENS = 16;
const encoder = new TextEncoder();

function aadOf(packageName: string, alias: string): Uint8Array {
  return encoder.encode(`jpki-mobile/keystore\0${packageName}\0${alias}`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function unb64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * The phone's keystore (after Android Keystore with a TEE): app-scoped AES-256-GCM keys whose
 * material never leaves it (apps name a key by alias and hand data in; encryption and decryption
 * happen inside). Keys may require a biometric authentication, proven by an auth token from the
 * sensor (`addAuthToken`, HMAC-checked):
 * - `authValiditySeconds` 0: the token must carry the challenge of the very operation
 *   (`begin` → `BiometricSensor.authenticate(finger, { challenge })` → `finish`), and serves it once;
 * - N > 0: a token no older than N seconds serves any number of operations.
 * A key with `invalidatedByBiometricEnrollment` is bound to the enrolment generation at its creation;
 * once the generation changes, every use fails with `ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED`, and
 * the key stays invalid (the app deletes it and creates a new one after a new authentication).
 */
export class Keystore {
  #keys: StoredKey[];
  readonly #options: KeystoreOptions;
  readonly #clock: () => Date;
  readonly #random: (length: number) => Uint8Array;
  #tokens: AuthToken[] = [];

  constructor(state: KeystoreState, options: KeystoreOptions) {
    if (options.deviceKey.length !== 32) throw new KeystoreError('ERR_KEYSTORE_SPEC_INVALID', 'the device key is 32 bytes');
    this.#keys = structuredClone([...state.keys]);
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  toState(): KeystoreState {
    return { keys: structuredClone(this.#keys) };
  }

  aliases(packageName: string): string[] {
    return this.#keys.filter((k) => k.packageName === packageName).map((k) => k.alias);
  }

  getKeyInfo(packageName: string, alias: string): KeyInfo {
    const { authenticatorId: _a, material: _m, ...info } = this.#find(packageName, alias);
    return info;
  }

  async generateKey(packageName: string, spec: KeySpec): Promise<KeyInfo> {
    this.#options.requireAvailable?.();
    const auth = spec.userAuthenticationRequired === true;
    const bound = spec.invalidatedByBiometricEnrollment ?? auth;
    const validity = spec.authValiditySeconds ?? 0;
    if (typeof spec.alias !== 'string' || !ALIAS.test(spec.alias)) throw new KeystoreError('ERR_KEYSTORE_SPEC_INVALID', 'an alias is 1 to 100 printable characters');
    if (!Number.isInteger(validity) || validity < 0 || validity > MAX_VALIDITY) {
      throw new KeystoreError('ERR_KEYSTORE_SPEC_INVALID', `authValiditySeconds is 0..${MAX_VALIDITY}`);
    }
    if (bound && !auth) throw new KeystoreError('ERR_KEYSTORE_SPEC_INVALID', 'invalidatedByBiometricEnrollment needs userAuthenticationRequired');
    if (this.#keys.some((k) => k.packageName === packageName && k.alias === spec.alias)) {
      throw new KeystoreError('ERR_KEYSTORE_KEY_EXISTS', `${packageName} has a key ${spec.alias} already`);
    }
    const generation = this.#options.authenticatorId();
    if (auth && generation === undefined) throw new KeystoreError('ERR_KEYSTORE_NO_BIOMETRIC_ENROLLED', 'enrol a finger before creating a key that needs one');
    const material = this.#random(32);
    const sealed = seal(this.#options.deviceKey, this.#random(IV_LENGTH), material, aadOf(packageName, spec.alias));
    material.fill(0);
    const key: StoredKey = {
      packageName,
      alias: spec.alias,
      userAuthenticationRequired: auth,
      invalidatedByBiometricEnrollment: bound,
      authValiditySeconds: validity,
      createdAt: this.#clock().toISOString(),
      invalidated: false,
      authenticatorId: bound ? generation! : null,
      material: b64(sealed),
    };
    this.#keys.push(key);
    await this.#options.persist?.();
    return this.getKeyInfo(packageName, spec.alias);
  }

  async deleteKey(packageName: string, alias: string): Promise<void> {
    this.#find(packageName, alias);
    this.#keys = this.#keys.filter((k) => !(k.packageName === packageName && k.alias === alias));
    await this.#options.persist?.();
  }

  /** Deletes every key of an app (uninstall). */
  async deletePackage(packageName: string): Promise<void> {
    this.#keys = this.#keys.filter((k) => k.packageName !== packageName);
    await this.#options.persist?.();
  }

  /** Deletes every key and forgets every token (factory reset; the phone saves its whole wiped state at once). */
  wipe(): void {
    this.#keys = [];
    this.#tokens = [];
  }

  /** Forgets the auth tokens (the phone turned off). */
  forgetTokens(): void {
    this.#tokens = [];
  }

  /** The sensor's path for a successful authentication (Android `IKeystoreAuthorization.addAuthToken`). */
  addAuthToken(token: AuthToken): void {
    if (!verifyAuthToken(this.#options.authKey(), token)) throw new KeystoreError('ERR_KEYSTORE_AUTH_TOKEN_INVALID', 'the auth token does not verify');
    this.#tokens = [...this.#tokens, token].slice(-MAX_TOKENS);
  }

  /** Starts an operation; its `challenge` is what a per-operation authentication must be bound to. */
  async begin(packageName: string, alias: string, purpose: 'encrypt' | 'decrypt'): Promise<KeystoreOperation> {
    this.#options.requireAvailable?.();
    const key = await this.#usable(packageName, alias);
    if (key.userAuthenticationRequired && key.authValiditySeconds > 0) this.#timeBoundToken(key);
    return new KeystoreOperation(this, packageName, alias, purpose, toHex(this.#random(8)));
  }

  /** `begin` + `finish` for keys that need no per-operation authentication. */
  async encrypt(packageName: string, alias: string, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
    return (await this.begin(packageName, alias, 'encrypt')).finish(plaintext, aad);
  }

  async decrypt(packageName: string, alias: string, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
    return (await this.begin(packageName, alias, 'decrypt')).finish(sealed, aad);
  }

  /** Runs an operation's cipher inside the keystore (called by `KeystoreOperation.finish`). */
  async run(op: { packageName: string; alias: string; purpose: 'encrypt' | 'decrypt'; challenge: string }, input: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#options.requireAvailable?.();
    const key = await this.#usable(op.packageName, op.alias);
    if (key.userAuthenticationRequired) {
      if (key.authValiditySeconds > 0) this.#timeBoundToken(key);
      else this.#consumeOperationToken(key, op.challenge);
    }
    const material = requireKeyOpen(this.#options.deviceKey, key);
    try {
      return op.purpose === 'encrypt' ? seal(material, this.#random(IV_LENGTH), input, aad) : requireOpen(material, input, aad);
    } finally {
      material.fill(0);
    }
  }

  #find(packageName: string, alias: string): StoredKey {
    const key = this.#keys.find((k) => k.packageName === packageName && k.alias === alias);
    if (!key) throw new KeystoreError('ERR_KEYSTORE_KEY_NOT_FOUND', `${packageName} has no key ${alias}`);
    return key;
  }

  /** The key, unless it is (or just became) permanently invalid. */
  async #usable(packageName: string, alias: string): Promise<StoredKey> {
    const key = this.#find(packageName, alias);
    if (!key.invalidated && key.invalidatedByBiometricEnrollment && key.authenticatorId !== this.#options.authenticatorId()) {
      const index = this.#keys.indexOf(key);
      this.#keys[index] = { ...key, invalidated: true };
      await this.#options.persist?.();
      throw invalidated(alias);
    }
    if (key.invalidated) throw invalidated(alias);
    return key;
  }

  #fromCurrentEnrolment(key: StoredKey, token: AuthToken): boolean {
    return key.invalidatedByBiometricEnrollment ? token.authenticatorId === key.authenticatorId : token.authenticatorId === this.#options.authenticatorId();
  }

  #timeBoundToken(key: StoredKey): void {
    const now = this.#clock().getTime();
    const fresh = this.#tokens.some(
      (t) => this.#fromCurrentEnrolment(key, t) && t.timestamp <= now && now - t.timestamp <= key.authValiditySeconds * 1000,
    );
    if (!fresh) throw new KeystoreError('ERR_KEYSTORE_USER_NOT_AUTHENTICATED', `${key.alias} needs a biometric authentication in the last ${key.authValiditySeconds} s`);
  }

  #consumeOperationToken(key: StoredKey, challenge: string): void {
    const index = this.#tokens.findIndex((t) => t.challenge === challenge && this.#fromCurrentEnrolment(key, t));
    if (index < 0) throw new KeystoreError('ERR_KEYSTORE_USER_NOT_AUTHENTICATED', `${key.alias} needs a biometric authentication for this operation`);
    this.#tokens = this.#tokens.filter((_, i) => i !== index);
  }
}

function invalidated(alias: string): KeystoreError {
  return new KeystoreError('ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED', `${alias} was invalidated by a biometric enrolment change`);
}

function requireKeyOpen(deviceKey: Uint8Array, key: StoredKey): Uint8Array {
  const material = open(deviceKey, unb64(key.material), aadOf(key.packageName, key.alias));
  if (!material || material.length !== 32) throw new KeystoreError('ERR_KEYSTORE_KEY_CORRUPT', `the stored key ${key.alias} does not open under the device key`);
  return material;
}

/**
 * One use of a key (Android `Cipher` over a keystore key): `challenge` identifies it to the sensor;
 * `finish` runs the cipher inside the keystore once. Encryption returns IV || ciphertext || tag;
 * decryption takes that form back.
 */
export class KeystoreOperation {
  readonly challenge: string;
  readonly purpose: 'encrypt' | 'decrypt';
  readonly #keystore: Keystore;
  readonly #packageName: string;
  readonly #alias: string;
  #finished = false;

  constructor(keystore: Keystore, packageName: string, alias: string, purpose: 'encrypt' | 'decrypt', challenge: string) {
    this.#keystore = keystore;
    this.#packageName = packageName;
    this.#alias = alias;
    this.purpose = purpose;
    this.challenge = challenge;
  }

  async finish(input: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    if (this.#finished) throw new KeystoreError('ERR_KEYSTORE_OPERATION_FINISHED', 'the operation is finished');
    this.#finished = true;
    return this.#keystore.run({ packageName: this.#packageName, alias: this.#alias, purpose: this.purpose, challenge: this.challenge }, input, aad);
  }
}
