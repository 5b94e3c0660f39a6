import type { CardPort, CardStore } from '../card/index.js';
import type { Phone, SEService } from '../devices/phone/index.js';
import { RelayClient, type RelayOutcome } from '../services/tsm/index.js';
import { newAppData, parseAppData, type AppData, type FlowName } from './app-data.js';
import { AppError } from './errors.js';
import { runIssuance, type IssuanceInput, type IssuanceResult } from './issuance.js';
import { runPreparation } from './preparation.js';
import type { PushAgent } from './push-agent.js';
import { handlePushMessage } from './push-session.js';
import { runOnline, runSync, type OnlineOptions, type OnlineReport, type SyncResult } from './online.js';
import { runRevocation, type RevocationInput, type RevocationResult } from './revocation.js';
import { appStatus, deletionOrders, type AppStatus, type DeletionOrderSeen } from './status.js';
import { changeSecret, type SecretChange } from './secret-change.js';
import { runSecretReset, type SecretResetInput, type SecretResetResult } from './secret-reset.js';
import { FlowMachine, type TransitionTable } from './state-machine.js';
import { disableBiometricUnlock, enableBiometricUnlock, login, signDigestInfo, signDocument, type LoginInput, type LoginResult, type SignInput } from './use.js';
import { withSeAgent } from './se-agent.js';
import { certificateHash } from './signing-certificate.js';
import { toUserError } from './user-errors.js';

/** The JPKI smartphone app's package name. */
export const JPKI_APP_PACKAGE = 'jp.go.jpki.mobile';
/** Keystore aliases: the sealed relay credential (no user authentication) and the biometric-bound PIN key. */
export const CREDENTIAL_KEY = 'relay-credential';
export const PIN_UNLOCK_KEY = 'pin-unlock';

export interface JpkiAppOptions {
  readonly phone: Phone;
  /** The app-private document (a `FileCardStore` in the phone's folder, or memory in tests). */
  readonly store: CardStore<AppData>;
  /** The phone's push component (registers the app's token, delivers `tsm-session` messages). */
  readonly push?: PushAgent;
  readonly packageName?: string;
  /** Relay client retry settings (tests shorten them). */
  readonly retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
}

/**
 * The JPKI smartphone app (system.md "JPKI smartphone app") installed on a `Phone`: it relays the TSMs'
 * scripts (through the OS's SE agent), talks to the JPKI applet through its own OMAPI channel (allowed by
 * the ARA-M rule naming its signing certificate), and walks the user through each flow as an explicit
 * state machine whose errors say what to do. Flows: `prepare` (2), `issue` (3), `login`/`sign` (4),
 * `changeSecret` (5, local part), `resetSecrets` (5, online with the card), `status` (6.4: the old
 * phone's deletion), `revoke` (7), `sync` (12), the push-triggered sessions and the online loop
 * (`runOnline`), and the factory-reset agent (10, in `se-agent.ts`).
 */
export class JpkiApp {
  readonly phone: Phone;
  readonly packageName: string;
  readonly push: PushAgent | undefined;
  readonly retry: JpkiAppOptions['retry'];
  readonly #store: CardStore<AppData>;
  #data: AppData;

  private constructor(options: JpkiAppOptions, data: AppData) {
    this.phone = options.phone;
    this.packageName = options.packageName ?? JPKI_APP_PACKAGE;
    this.push = options.push;
    this.retry = options.retry;
    this.#store = options.store;
    this.#data = data;
    this.push?.on(this.packageName, (m) => this.handlePush(m.data).then(() => undefined));
  }

  /**
   * Installs the app (signed with `signingCertificate`) on the phone and starts its data; an app that is
   * already installed with the same certificate is updated and keeps its data.
   */
  static async install(options: JpkiAppOptions & { signingCertificate: Uint8Array; serverUrl: string }): Promise<JpkiApp> {
    const packageName = options.packageName ?? JPKI_APP_PACKAGE;
    const installed = await options.phone.installApp({ packageName, signingCertificates: [options.signingCertificate] });
    const existing = await JpkiApp.#load(options.store, packageName, installed.installedAt);
    const data = existing ?? newAppData(packageName, installed.installedAt, options.serverUrl);
    const app = new JpkiApp(options, { ...data, serverUrl: options.serverUrl });
    await app.#save();
    return app;
  }

  /** The installed app with its saved data (`ERR_PHONE_APP_NOT_INSTALLED` when it is not installed). */
  static async open(options: JpkiAppOptions): Promise<JpkiApp> {
    const packageName = options.packageName ?? JPKI_APP_PACKAGE;
    const installed = options.phone.app(packageName);
    if (!installed) throw new AppError('ERR_APP_NOT_PREPARED', 'The JPKI app is not installed on this phone: install it first.');
    const data = await JpkiApp.#load(options.store, packageName, installed.installedAt);
    if (!data) throw new AppError('ERR_APP_DATA_INVALID', "The app's data is missing (reinstalled or reset): install it again.");
    return new JpkiApp(options, data);
  }

  static async #load(store: CardStore<AppData>, packageName: string, installedAt: string): Promise<AppData | undefined> {
    let raw: unknown;
    try {
      raw = await store.load();
    } catch {
      return undefined;
    }
    if (raw === null) return undefined;
    const data = parseAppData(raw);
    // Data of an earlier installation (before an uninstall or a factory reset) is not this app's.
    return data.packageName === packageName && data.installedAt === installedAt ? data : undefined;
  }

  get data(): AppData {
    return this.#data;
  }

  get serverUrl(): string {
    return this.#data.serverUrl;
  }

  /** The SHA-256 of the app's signing certificate, as the OS reports it. */
  get certificateHash(): string {
    const app = this.phone.app(this.packageName);
    if (!app) throw new AppError('ERR_APP_NOT_PREPARED', 'The JPKI app is not installed on this phone: install it first.');
    return certificateHash(app.signingCertificates[0]!);
  }

  /** The state of a flow as last saved (`undefined` before it first ran). */
  flowState(flow: FlowName): string | undefined {
    return this.#data.flows[flow];
  }

  async update(patch: Partial<AppData>): Promise<void> {
    this.#data = { ...this.#data, ...patch };
    await this.#save();
  }

  /** A flow's state machine, whose every transition is saved in the app data. */
  machine<S extends string, E extends string>(flow: FlowName, table: TransitionTable<S, E>, initial: S): FlowMachine<S, E> {
    return new FlowMachine<S, E>(flow, table, initial, (name, state) => this.update({ flows: { ...this.#data.flows, [name as FlowName]: state } }));
  }

  /** The app's `fetch` (the phone's network under this app's identity). */
  get fetch(): typeof fetch {
    return this.phone.fetchFor(this.packageName) as typeof fetch;
  }

  /** The app's own OMAPI service (what the ARA-M rule judges). */
  openSeService(): SEService {
    return this.phone.openSeService(this.packageName);
  }

  /** The relay credential, opened from the keystore. */
  async credential(): Promise<string> {
    const sealed = this.#data.sealedCredential;
    if (!sealed || !this.#data.appInstanceId || !this.#data.seId) throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
    const plain = await this.phone.keystore.decrypt(this.packageName, CREDENTIAL_KEY, new Uint8Array(Buffer.from(sealed, 'base64')));
    return Buffer.from(plain).toString('utf8');
  }

  /** Runs one TSM session to its end through the OS's SE agent (the relay client never holds a TSM key). */
  async relay(run: (client: RelayClient) => Promise<RelayOutcome>): Promise<RelayOutcome> {
    const credential = await this.credential();
    return withSeAgent(this.phone, (channels) =>
      run(
        new RelayClient({
          baseUrl: this.serverUrl,
          appInstanceId: this.#data.appInstanceId!,
          credential,
          channels,
          fetch: this.fetch,
          ...(this.retry ? { retry: this.retry } : {}),
        }),
      ),
    );
  }

  /** Flow 2: push registration, app instance at the SP-TSM, the prepare session. */
  prepare(): Promise<RelayOutcome> {
    return runPreparation(this);
  }

  /** Flow 3: the issuance session with the card, then the user's PIN and password. */
  issue(input: IssuanceInput): Promise<IssuanceResult> {
    return runIssuance(this, input);
  }

  /** Flow 4: signs a relying party's login challenge with the user-authentication key. */
  login(input: LoginInput): Promise<LoginResult> {
    return login(this, input);
  }

  /** Flow 4: signs a DigestInfo with the signature key after the password. */
  signDigestInfo(input: SignInput & { digestInfo: Uint8Array }): Promise<{ signature: Uint8Array; certificate: Uint8Array }> {
    return signDigestInfo(this, input);
  }

  /** Flow 4: a detached CMS SignedData over `content`, signed by the phone's signature key. */
  signDocument(input: SignInput & { content: Uint8Array; signingTime?: Date }): Promise<Uint8Array> {
    return signDocument(this, input);
  }

  /** Flow 3.8: fingerprint unlock (the PIN sealed under a biometric-bound key). */
  enableBiometricUnlock(input: { pin: string; finger: string }): Promise<void> {
    return enableBiometricUnlock(this, input);
  }

  disableBiometricUnlock(): Promise<void> {
    return disableBiometricUnlock(this);
  }

  /** Flow 5, local part: VERIFY the current value, CHANGE REFERENCE DATA to the new one. */
  changeSecret(input: SecretChange): Promise<void> {
    return changeSecret(this, input);
  }

  /** Flow 5, online: re-initialises the PIN and/or password with the card (a forgotten or blocked secret). */
  resetSecrets(input: SecretResetInput): Promise<SecretResetResult> {
    return runSecretReset(this, input);
  }

  /** Flow 7: revokes both certificates from the phone itself (PIN, no card); the applet is wiped in the same session. */
  revoke(input: RevocationInput): Promise<RevocationResult> {
    return runRevocation(this, input);
  }

  /** The certificates' status (OCSP through the SDK) and the deletion orders of the holder's other phones (flow 6.4). */
  status(): Promise<AppStatus> {
    return appStatus(this);
  }

  /** The deletion orders of the holder's other phones, as the SP-TSM reports them. */
  deletionOrders(): Promise<{ orders: DeletionOrderSeen[]; deletionNotConfirmed: boolean }> {
    return deletionOrders(this);
  }

  /** Flow 12's contact: a `sync` session (revoked certificates marked in the applet; a pending wipe done). */
  sync(): Promise<SyncResult> {
    return runSync(this);
  }

  /** The app while the phone is online: push messages taken and run, one contact, then the push loop (bounded). */
  runOnline(options: OnlineOptions = {}): Promise<OnlineReport> {
    return runOnline(this, options);
  }

  /** The applet was wiped (or its keys revoked): the app's records of its certificates go, with the fingerprint-unlock PIN. */
  async forgetCertificates(): Promise<void> {
    if (this.phone.keystore.aliases(this.packageName).includes(PIN_UNLOCK_KEY)) await this.phone.keystore.deleteKey(this.packageName, PIN_UNLOCK_KEY);
    await this.update({ certificates: null, certificateDer: null, biometric: null });
  }

  /** A push message for this app (see docs/app.md for the format). */
  handlePush(data: unknown): Promise<RelayOutcome> {
    return handlePushMessage(this, data);
  }

  /** Wraps lower failures into user-facing ones (for callers outside the flows). */
  static userError(err: unknown, doing: string): AppError {
    return toUserError(err, { doing });
  }

  async #save(): Promise<void> {
    await this.#store.save(this.#data);
  }
}

export type { CardPort };
