import { PhoneError } from './errors.js';
import { checkCertificate, checkPackageName, type InstalledAppState } from './state.js';

/** An installed app: who it is to the OS (and so to the OMAPI's access control). */
export interface InstalledApp {
  readonly packageName: string;
  readonly signingCertificates: readonly Uint8Array[];
  readonly privileged: boolean;
  readonly installedAt: string;
}

/** What `Phone.installApp` takes: an APK's identity. */
export interface AppPackage {
  readonly packageName: string;
  /** DER X.509 certificates the package is signed with (at least one). */
  readonly signingCertificates: readonly Uint8Array[];
  /**
   * A system app holding `SECURE_ELEMENT_PRIVILEGED_OPERATION` (full OMAPI access, no ARA rule
   * needed). Only the phone's builder grants it: on Android it comes with the platform key or the
   * system image, never from a store download.
   */
  readonly privileged?: boolean;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function toApp(s: InstalledAppState): InstalledApp {
  return { ...s, signingCertificates: s.signingCertificates.map((c) => new Uint8Array(Buffer.from(c, 'base64'))) };
}

/**
 * The installed apps (Android's package manager, the part the OMAPI needs). An update of an
 * installed package must carry the same signing certificates, as Android demands; the update keeps
 * the app's data (its keystore keys).
 */
export class PackageManager {
  #apps: InstalledAppState[];

  constructor(apps: readonly InstalledAppState[]) {
    this.#apps = structuredClone([...apps]);
  }

  toState(): readonly InstalledAppState[] {
    return structuredClone(this.#apps);
  }

  list(): InstalledApp[] {
    return this.#apps.map(toApp);
  }

  get(packageName: string): InstalledApp | undefined {
    const s = this.#apps.find((a) => a.packageName === packageName);
    return s && toApp(s);
  }

  require(packageName: string): InstalledApp {
    const app = this.get(packageName);
    if (!app) throw new PhoneError('ERR_PHONE_APP_NOT_INSTALLED', `${packageName} is not installed`);
    return app;
  }

  /** Installs or updates; resolves with whether it was an update. */
  install(pkg: AppPackage, now: Date): { app: InstalledApp; updated: boolean } {
    const packageName = checkPackageName(pkg.packageName);
    if (!Array.isArray(pkg.signingCertificates) || pkg.signingCertificates.length === 0 || pkg.signingCertificates.length > 16) {
      throw new PhoneError('ERR_PHONE_APP_INVALID', 'an app is signed with 1 to 16 certificates');
    }
    const certificates = pkg.signingCertificates.map((c) => b64(checkCertificate(c)));
    const existing = this.#apps.find((a) => a.packageName === packageName);
    if (existing) {
      const same = existing.signingCertificates.length === certificates.length && [...existing.signingCertificates].sort().join() === [...certificates].sort().join();
      if (!same) throw new PhoneError('ERR_PHONE_APP_SIGNATURE_MISMATCH', `${packageName} is installed with other signing certificates`);
    }
    const state: InstalledAppState = { packageName, signingCertificates: certificates, privileged: pkg.privileged === true, installedAt: existing?.installedAt ?? now.toISOString() };
    this.#apps = [...this.#apps.filter((a) => a.packageName !== packageName), state];
    return { app: toApp(state), updated: existing !== undefined };
  }

  uninstall(packageName: string): void {
    this.require(packageName);
    this.#apps = this.#apps.filter((a) => a.packageName !== packageName);
  }

  wipe(): void {
    this.#apps = [];
  }
}
