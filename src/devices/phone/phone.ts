import { randomBytes } from 'node:crypto';
import type { CardStore } from '../../card/index.js';
import { credentialsOf, type CallerCredentials } from './access-control/app-identity.js';
import { AccessControlEnforcer } from './access-control/enforcer.js';
import { BiometricSensor } from './biometrics/sensor.js';
import { JpkiMobileError } from '../../errors/index.js';
import { PhoneError } from './errors.js';
import { FactoryResetCoordinator, type FactoryResetHandler, type FactoryResetReport } from './factory-reset.js';
import { Keystore } from './keystore/keystore.js';
import { PhoneNetwork, type FetchLike } from './network.js';
import type { PackageRemovedListener, PhoneOptions } from './phone-options.js';
import { NfcController } from './nfc/nfc-controller.js';
import { SEService } from './omapi/se-service.js';
import { Terminal } from './omapi/terminal.js';
import { PackageManager, type AppPackage, type InstalledApp } from './package-manager.js';
import { deviceKeyCheck, newPhoneState, parsePhoneState, type PendingResetNotice, type PhoneIdentity, type PhoneState } from './state.js';

/**
 * The smartphone's OS side (system.md "Smartphone and its OS"): power, network, installed apps, the
 * OMAPI with its access-control enforcer over the embedded secure element, NFC card emulation, the
 * biometric sensor and keystore, and factory reset. Its state is one JSON document in a `CardStore`
 * (a `FileCardStore` on disk: atomic replacement, 0600), saved after every change.
 *
 * The phone starts powered off; `powerOn` boots it (the element powers up, a new access-control
 * enforcer reads the ARA-M on first use, NFC routing follows the setting).
 */
export class Phone {
  readonly #options: PhoneOptions;
  readonly #store: CardStore<PhoneState>;
  readonly #clock: () => Date;
  readonly #random: (length: number) => Uint8Array;
  readonly #identity: Pick<PhoneState, 'deviceId' | 'model' | 'createdAt' | 'deviceKeyCheck'>;
  #settings: PhoneState['settings'];
  readonly #resets: FactoryResetCoordinator;
  readonly #packages: PackageManager;
  readonly #terminal: Terminal;
  readonly #network: PhoneNetwork;
  readonly #services = new Map<SEService, string>();
  readonly #removedListeners = new Set<PackageRemovedListener>();
  #authKey: Uint8Array;
  #powered = false;
  #saving: Promise<unknown> = Promise.resolve();
  /** The phone's contactless side: what a reader's field meets (a `CardPort`). */
  readonly nfc: NfcController;
  readonly biometrics: BiometricSensor;
  readonly keystore: Keystore;

  private constructor(state: PhoneState, options: PhoneOptions) {
    if (deviceKeyCheck(options.deviceKey) !== state.deviceKeyCheck) throw new PhoneError('ERR_PHONE_DEVICE_KEY', 'the device key is not this phone\'s');
    this.#options = options;
    this.#store = options.store;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.#identity = { deviceId: state.deviceId, model: state.model, createdAt: state.createdAt, deviceKeyCheck: state.deviceKeyCheck };
    this.#settings = { ...state.settings };
    this.#packages = new PackageManager(state.apps);
    this.#terminal = new Terminal({ name: options.readerName ?? 'eSE1', port: options.secureElement.contact });
    this.#network = new PhoneNetwork(options.fetch ?? ((input, init) => fetch(input, init)), state.settings.online);
    this.nfc = new NfcController(options.secureElement.contactless);
    this.#authKey = this.#random(32);
    this.#resets = new FactoryResetCoordinator(state.factoryReset, {
      deviceId: state.deviceId,
      clock: this.#clock,
      random: this.#random,
      reachable: () => this.#network.reachable,
      fetch: this.#network.fetchFor(),
      openSystemSeService: (component) => this.openSystemSeService(component),
      closeService: (service) => this.#shutdown(service),
      save: () => this.#save(),
      onHandler: (e) => this.#options.onEvent?.({ type: 'reset-handler', ...e }),
    });
    const available = () => this.#requirePowered();
    const persist = () => this.#save();
    this.biometrics = new BiometricSensor(state.biometrics, {
      clock: this.#clock,
      random: this.#random,
      ...options.biometrics,
      requireAvailable: available,
      persist,
      tokens: { key: () => this.#authKey, deliver: (token) => this.keystore.addAuthToken(token) },
    });
    this.keystore = new Keystore(state.keystore, {
      deviceKey: options.deviceKey,
      authKey: () => this.#authKey,
      authenticatorId: () => this.biometrics.authenticatorId,
      clock: this.#clock,
      random: this.#random,
      requireAvailable: available,
      persist,
    });
  }

  /** A new phone out of the box, saved to the store (with `create` when the store has it, so an existing phone is never overwritten). */
  static async create(options: PhoneOptions, identity: PhoneIdentity): Promise<Phone> {
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    const state = newPhoneState(identity, options.deviceKey, (options.clock ?? (() => new Date()))(), random);
    const store = options.store as CardStore<PhoneState> & { create?: (s: PhoneState) => Promise<void> };
    if (typeof store.create === 'function') await store.create(state);
    else await options.store.save(state);
    return new Phone(state, options);
  }

  /** The phone whose state is in the store (checked: `ERR_PHONE_STATE_INVALID`, `ERR_PHONE_DEVICE_KEY`). */
  static async open(options: PhoneOptions): Promise<Phone> {
    return new Phone(parsePhoneState(await options.store.load()), options);
  }

  get deviceId(): string {
    return this.#identity.deviceId;
  }

  get model(): string {
    return this.#identity.model;
  }

  get powered(): boolean {
    return this.#powered;
  }

  get online(): boolean {
    return this.#settings.online;
  }

  get nfcEnabled(): boolean {
    return this.#settings.nfcEnabled;
  }

  get factoryResetCount(): number {
    return this.#resets.count;
  }

  /** Reset notices some handler has still to deliver. */
  get pendingResetNotices(): readonly PendingResetNotice[] {
    return this.#resets.pending;
  }

  /** The OMAPI reader of the element (for diagnostics: `connected`, open channels). */
  get terminal(): Terminal {
    return this.#terminal;
  }

  /** The state document as it is saved. */
  toState(): PhoneState {
    return {
      format: 'jpki-mobile/phone@1',
      ...this.#identity,
      settings: { ...this.#settings },
      apps: this.#packages.toState(),
      biometrics: this.biometrics.toState(),
      keystore: this.keystore.toState(),
      factoryReset: this.#resets.toState(),
    };
  }

  async powerOn(): Promise<void> {
    if (this.#powered) return;
    this.#authKey = this.#random(32);
    this.#powered = true;
    if (this.#resets.wiping) await this.#wipe();
    this.#network.setPowered(true);
    const present = await this.#terminal.connect();
    // A new enforcer per boot: cached rules and a "broken ARA-M" verdict do not survive a restart.
    this.#terminal.setAccessControl(new AccessControlEnforcer({ element: this.#terminal, ...(this.#options.ruleEngine ? { engine: this.#options.ruleEngine } : {}) }));
    await this.nfc.setEnabled(this.#settings.nfcEnabled);
    await this.nfc.setPhonePowered(true);
    this.#options.onEvent?.({ type: 'power', on: true, secureElementPresent: present });
    if (this.#network.reachable) await this.deliverPendingResetNotices();
  }

  async powerOff(): Promise<void> {
    if (!this.#powered) return;
    for (const service of [...this.#services.keys()]) await service.shutdown();
    this.#services.clear();
    await this.nfc.setPhonePowered(false);
    await this.#terminal.disconnect();
    this.#terminal.setAccessControl(undefined);
    this.keystore.forgetTokens();
    this.#network.setPowered(false);
    this.#powered = false;
    this.#options.onEvent?.({ type: 'power', on: false, secureElementPresent: false });
  }

  async reboot(): Promise<void> {
    await this.powerOff();
    await this.powerOn();
  }

  /** Online or offline (airplane mode, coverage); going online delivers pending reset notices. */
  async setOnline(on: boolean): Promise<void> {
    this.#settings = { ...this.#settings, online: on };
    this.#network.setOnline(on);
    await this.#save();
    if (on && this.#powered) await this.deliverPendingResetNotices();
  }

  /** NFC on or off in the settings (card emulation routing follows). */
  async setNfcEnabled(on: boolean): Promise<void> {
    this.#settings = { ...this.#settings, nfcEnabled: on };
    await this.nfc.setEnabled(on);
    await this.#save();
  }

  /** The `fetch` an installed app uses: `ERR_PHONE_POWERED_OFF`, `ERR_PHONE_OFFLINE`, `ERR_PHONE_APP_NOT_INSTALLED`. */
  fetchFor(packageName: string): FetchLike {
    return this.#network.fetchFor(() => void this.#packages.require(packageName));
  }

  /** The OS's own `fetch` (for factory-reset handlers and system services). */
  get systemFetch(): FetchLike {
    return this.#network.fetchFor();
  }

  apps(): InstalledApp[] {
    return this.#packages.list();
  }

  app(packageName: string): InstalledApp | undefined {
    return this.#packages.get(packageName);
  }

  async installApp(pkg: AppPackage): Promise<InstalledApp> {
    this.#requirePowered();
    const { app, updated } = this.#packages.install(pkg, this.#clock());
    await this.#save();
    this.#options.onEvent?.({ type: 'app', action: updated ? 'updated' : 'installed', packageName: app.packageName });
    return app;
  }

  /**
   * Removes the app, its keystore keys, and closes its OMAPI services; then tells the OS components
   * listening for removed packages (Android's `ACTION_PACKAGE_FULLY_REMOVED`: the push component
   * invalidates the app's registration). A listener that fails does not undo the removal: it keeps
   * its own work pending (its failure is reported as a `package-listener` event).
   */
  async uninstallApp(packageName: string): Promise<void> {
    this.#requirePowered();
    this.#packages.uninstall(packageName);
    for (const [service, owner] of this.#services) if (owner === packageName) await this.#shutdown(service);
    await this.keystore.deletePackage(packageName);
    await this.#save();
    this.#options.onEvent?.({ type: 'app', action: 'uninstalled', packageName });
    for (const listener of [...this.#removedListeners]) {
      try {
        await listener(packageName);
      } catch (err) {
        this.#options.onEvent?.({ type: 'package-listener', packageName, ok: false, error: err instanceof JpkiMobileError ? err.code : err instanceof Error ? err.name : 'unknown' });
      }
    }
  }

  /**
   * An OS component that learns when an app is removed (part of the OS image, registered at every
   * start, like the factory-reset handlers). Not called by a factory reset: its own handlers run then.
   * Returns its removal.
   */
  onPackageRemoved(listener: PackageRemovedListener): () => void {
    this.#removedListeners.add(listener);
    return () => void this.#removedListeners.delete(listener);
  }

  /** An installed app's connection to the OMAPI, under that app's identity. */
  openSeService(packageName: string): SEService {
    this.#requirePowered();
    const app = this.#packages.require(packageName);
    return this.#track(new SEService([this.#terminal], credentialsOf(app, app.privileged)), packageName);
  }

  /** A privileged OMAPI service for an OS component (the SE agent, a factory-reset handler). */
  openSystemSeService(component: string): SEService {
    this.#requirePowered();
    const caller: CallerCredentials = { packageName: `system:${component}`, hashes: [], privileged: true };
    return this.#track(new SEService([this.#terminal], caller), caller.packageName);
  }

  /** The installed apps allowed (NFC-AR-DO) to receive transaction events of `aid`. */
  async nfcEventRecipients(aid: Uint8Array): Promise<string[]> {
    this.#requirePowered();
    const apps = this.#packages.list();
    const allowed = await this.#terminal.isNfcEventAllowed(aid, apps.map((a) => credentialsOf(a, a.privileged)));
    return apps.filter((_, i) => allowed[i]).map((a) => a.packageName);
  }

  /** Registers a factory-reset handler (part of the OS image; registered again at every start). Returns its removal. */
  onFactoryReset(handler: FactoryResetHandler): () => void {
    return this.#resets.register(handler);
  }

  /**
   * Factory reset (flows.md 10): records a notice pending for every registered handler, runs each
   * handler (before the wipe, with a privileged OMAPI service), then wipes the apps, keystore keys,
   * fingers and settings (the device identity and key, and the network state, stay) and restarts.
   * Failed handlers keep their notice pending and are retried when the phone is next online.
   */
  async factoryReset(): Promise<FactoryResetReport> {
    this.#requirePowered();
    const { notice, completed } = await this.#resets.begin();
    this.#options.onEvent?.({ type: 'factory-reset', notice });
    await this.#wipe();
    await this.reboot();
    const pending = this.#resets.pending.filter((p) => p.notice.id === notice.id).map((p) => p.handler);
    return { notice, completed, pending };
  }

  /** Runs every pending notice whose handler is registered (also done at start and when going online). */
  deliverPendingResetNotices(): Promise<void> {
    return this.#resets.deliverPending();
  }

  async #wipe(): Promise<void> {
    for (const service of [...this.#services.keys()]) await this.#shutdown(service);
    this.#packages.wipe();
    this.keystore.wipe();
    this.biometrics.wipe();
    this.#settings = { ...this.#settings, nfcEnabled: true };
    await this.nfc.setEnabled(true);
    this.#resets.markWiped();
    await this.#save();
  }

  #track(service: SEService, owner: string): SEService {
    // Services their apps shut down themselves are forgotten here, so the map does not grow.
    for (const known of [...this.#services.keys()]) if (!known.isConnected()) this.#services.delete(known);
    this.#services.set(service, owner);
    return service;
  }

  async #shutdown(service: SEService): Promise<void> {
    this.#services.delete(service);
    await service.shutdown();
  }

  #requirePowered(): void {
    if (!this.#powered) throw new PhoneError('ERR_PHONE_POWERED_OFF', 'the phone is off');
  }

  #save(): Promise<void> {
    const run = this.#saving.then(() => this.#store.save(this.toState()));
    this.#saving = run.catch(() => undefined);
    return run;
  }
}
