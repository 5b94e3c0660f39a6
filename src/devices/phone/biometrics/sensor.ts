import { randomBytes } from 'node:crypto';
import { toHex } from '../../../bytes/index.js';
import { signAuthToken, type AuthToken } from './auth-token.js';
import { BiometricError } from './errors.js';

/** One enrolled finger. `finger` names the physical finger ("right thumb"); `id` is the sensor's. */
export interface Enrolment {
  readonly id: number;
  readonly finger: string;
  readonly enrolledAt: string;
}

/** The sensor's part of the phone's state document. */
export interface BiometricState {
  readonly enrolments: readonly Enrolment[];
  readonly nextId: number;
  /** The enrolment generation (16 hex digits), `null` while nothing is enrolled. */
  readonly authenticatorId: string | null;
  /** Consecutive failed attempts since the last success or lockout. */
  readonly failures: number;
  /** ISO time the current lockout ends, `null` when there is none. */
  readonly lockoutUntil: string | null;
}

export const EMPTY_BIOMETRICS: BiometricState = { enrolments: [], nextId: 1, authenticatorId: null, failures: 0, lockoutUntil: null };

export interface BiometricSensorOptions {
  readonly clock?: () => Date;
  readonly random?: (length: number) => Uint8Array;
  /** Failed attempts before a lockout, default 5 (Android's timed lockout). */
  readonly maxFailures?: number;
  /** Length of a lockout, default 30 s. */
  readonly lockoutMs?: number;
  /** Fingers the sensor keeps, default 5. */
  readonly maxEnrolments?: number;
  /** Throws when the sensor cannot be used (the phone is off). */
  readonly requireAvailable?: () => void;
  /** Saves the state after a change; the change is done when it resolves. */
  readonly persist?: () => Promise<void>;
  /** The per-boot HMAC key shared with the keystore, and where a successful authentication's token goes. */
  readonly tokens?: { readonly key: () => Uint8Array; readonly deliver: (token: AuthToken) => void };
}

/** What `authenticate` reports for a finger it does not know. */
export interface AuthenticationFailure {
  readonly ok: false;
  /** Attempts left before a lockout (0: the sensor is locked out until `lockedOutUntil`). */
  readonly failuresLeft: number;
  readonly lockedOutUntil?: Date;
}

export type AuthenticationResult = { readonly ok: true; readonly enrolmentId: number } | AuthenticationFailure;

const FINGER = /^[^\p{Cc}]{1,64}$/u;
const CHALLENGE = /^[0-9A-Fa-f]{16}$/;

/**
 * The phone's fingerprint sensor. A "finger" is a name standing for a physical finger presented to
 * the sensor: an enrolled name matches, anything else does not.
 *
 * - Every enrolment change (enrol or remove) draws a new random enrolment generation (Android's
 *   authenticator id); keys bound to the old generation are invalidated by the keystore.
 * - `authenticate` succeeds for an enrolled finger and sends an HMAC-ed auth token to the keystore
 *   (optionally bound to one keystore operation's challenge). An unknown finger counts a failure;
 *   after `maxFailures` in a row the sensor locks out for `lockoutMs` (`ERR_BIOMETRIC_LOCKOUT`), then
 *   starts counting again. The counter and lockout are saved, so a restart does not reset them.
 */
export class BiometricSensor {
  #state: BiometricState;
  readonly #clock: () => Date;
  readonly #random: (length: number) => Uint8Array;
  readonly #maxFailures: number;
  readonly #lockoutMs: number;
  readonly #maxEnrolments: number;
  readonly #options: BiometricSensorOptions;

  constructor(state: BiometricState, options: BiometricSensorOptions = {}) {
    this.#state = structuredClone(state);
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.#maxFailures = options.maxFailures ?? 5;
    this.#lockoutMs = options.lockoutMs ?? 30_000;
    this.#maxEnrolments = options.maxEnrolments ?? 5;
  }

  get enrolments(): readonly Enrolment[] {
    return this.#state.enrolments.map((e) => ({ ...e }));
  }

  /** The current enrolment generation; `undefined` while nothing is enrolled. */
  get authenticatorId(): string | undefined {
    return this.#state.authenticatorId ?? undefined;
  }

  /** The end of the current lockout, if the sensor is locked out now. */
  get lockedOutUntil(): Date | undefined {
    const until = this.#state.lockoutUntil;
    return until !== null && Date.parse(until) > this.#clock().getTime() ? new Date(until) : undefined;
  }

  toState(): BiometricState {
    return structuredClone(this.#state);
  }

  /** Enrols a finger; resolves with its enrolment id. */
  async enrol(finger: string): Promise<number> {
    this.#options.requireAvailable?.();
    if (typeof finger !== 'string' || !FINGER.test(finger)) throw new BiometricError('ERR_BIOMETRIC_FINGER_INVALID', 'a finger name is 1 to 64 printable characters');
    if (this.#state.enrolments.some((e) => e.finger === finger)) throw new BiometricError('ERR_BIOMETRIC_ALREADY_ENROLLED', 'that finger is enrolled already');
    if (this.#state.enrolments.length >= this.#maxEnrolments) throw new BiometricError('ERR_BIOMETRIC_ENROLMENT_FULL', `at most ${this.#maxEnrolments} fingers`);
    const id = this.#state.nextId;
    const enrolment: Enrolment = { id, finger, enrolledAt: this.#clock().toISOString() };
    this.#state = { ...this.#state, enrolments: [...this.#state.enrolments, enrolment], nextId: id + 1, authenticatorId: this.#newGeneration() };
    await this.#options.persist?.();
    return id;
  }

  /** Removes an enrolment; the generation changes (to none when it was the last finger). */
  async remove(id: number): Promise<void> {
    this.#options.requireAvailable?.();
    if (!this.#state.enrolments.some((e) => e.id === id)) throw new BiometricError('ERR_BIOMETRIC_ENROLMENT_UNKNOWN', `no enrolment ${String(id)}`);
    const enrolments = this.#state.enrolments.filter((e) => e.id !== id);
    this.#state = { ...this.#state, enrolments, authenticatorId: enrolments.length > 0 ? this.#newGeneration() : null };
    await this.#options.persist?.();
  }

  /** Forgets every finger, the counter and any lockout (factory reset; the phone saves its whole wiped state at once). */
  wipe(): void {
    this.#state = { ...EMPTY_BIOMETRICS, nextId: this.#state.nextId };
  }

  /**
   * Presents a finger. `challenge` (16 hex digits, from `KeystoreOperation.challenge`) binds the
   * resulting token to that one keystore operation; without it the token authorises keys whose
   * validity period covers it.
   */
  async authenticate(finger: string, options: { readonly challenge?: string } = {}): Promise<AuthenticationResult> {
    this.#options.requireAvailable?.();
    const challenge = options.challenge;
    if (challenge !== undefined && !CHALLENGE.test(challenge)) throw new BiometricError('ERR_BIOMETRIC_CHALLENGE_INVALID', 'a challenge is 16 hex digits');
    const now = this.#clock().getTime();
    const until = this.#state.lockoutUntil;
    if (until !== null) {
      if (Date.parse(until) > now) throw new BiometricError('ERR_BIOMETRIC_LOCKOUT', 'too many attempts; try again later', { until: new Date(until) });
      this.#state = { ...this.#state, lockoutUntil: null, failures: 0 };
    }
    const authenticatorId = this.#state.authenticatorId;
    if (authenticatorId === null) throw new BiometricError('ERR_BIOMETRIC_NONE_ENROLLED', 'no finger is enrolled');
    const match = this.#state.enrolments.find((e) => e.finger === finger);
    if (!match) return this.#fail(now);
    if (this.#state.failures !== 0) {
      this.#state = { ...this.#state, failures: 0 };
      await this.#options.persist?.();
    }
    const tokens = this.#options.tokens;
    if (tokens) tokens.deliver(signAuthToken(tokens.key(), { challenge: challenge?.toUpperCase(), authenticatorId, timestamp: now }));
    return { ok: true, enrolmentId: match.id };
  }

  async #fail(now: number): Promise<AuthenticationFailure> {
    const failures = this.#state.failures + 1;
    if (failures >= this.#maxFailures) {
      const lockedOutUntil = new Date(now + this.#lockoutMs);
      this.#state = { ...this.#state, failures: 0, lockoutUntil: lockedOutUntil.toISOString() };
      await this.#options.persist?.();
      return { ok: false, failuresLeft: 0, lockedOutUntil };
    }
    this.#state = { ...this.#state, failures };
    await this.#options.persist?.();
    return { ok: false, failuresLeft: this.#maxFailures - failures };
  }

  #newGeneration(): string {
    return toHex(this.#random(8));
  }
}
