import { SW, throwSw } from '../../apdu/index.js';
import { toHex } from '../../bytes/index.js';
import { decodeTlvList, TlvError } from '../../tlv/index.js';
import { ARA_M_AID, InterfaceBit, SSD_MODULE_AID, SSD_PACKAGE_AID } from './constants.js';
import type { AppletModule, AppletPackage } from './contract.js';
import { SecureElementError } from './errors.js';
import { hashHex, loadFileDataBlock } from './load-file.js';

/**
 * The security domain module. Its instances are built by the element itself (they manage the
 * registry), never through `create`; `initialData` checks the install parameters, which for a
 * security domain are BER-TLV (GP Card Spec 11.5.2.3.7: "If the Application being installed is a
 * Security Domain, the information contained in tag 'C9' shall be BER-TLV encoded").
 */
const SSD_MODULE: AppletModule<null> = {
  aid: SSD_MODULE_AID,
  name: 'Security Domain',
  initialData(installParameters: Uint8Array): null {
    try {
      decodeTlvList(installParameters);
    } catch (err) {
      if (err instanceof TlvError) throwSw(SW.INCORRECT_DATA, 'security domain install parameters are BER-TLV');
      throw err;
    }
    return null;
  },
  create(): never {
    throw new SecureElementError('ERR_SE_CATALOGUE', 'security domains are built by the element, not by their module');
  },
};

/** The Security Domain creation package, in every element from its creation. */
export const SSD_PACKAGE: AppletPackage = {
  aid: SSD_PACKAGE_AID,
  name: 'GlobalPlatform Security Domain',
  version: [1, 0],
  modules: [SSD_MODULE as AppletModule],
};

/**
 * The packages a new element's catalogue has by default, besides the security domain package. The
 * ARA-M and JPKI applet packages are added here, one line each, e.g.
 *   ARA_M_PACKAGE,
 *   JPKI_APPLET_PACKAGE,
 */
export const DEFAULT_PACKAGES: readonly AppletPackage[] = [];

/**
 * An application installed when the element is made (GP Card Spec 5.4: content installed before
 * issuance), associated with the ISD. Its load file is pre-loaded from the catalogue.
 */
export interface PreinstalledApplication {
  /** Executable Load File AID (a catalogue package). */
  readonly package: Uint8Array;
  readonly module: Uint8Array;
  /** The instance AID. */
  readonly aid: Uint8Array;
  /** 1 or 3 bytes (default 00 00 00). */
  readonly privileges?: Uint8Array;
  /** The application-specific parameters, the value of 'C9' (default none). */
  readonly installParameters?: Uint8Array;
  /** GP Amendment C Table 5-2 (default contact only; never contactless for the ARA-M). */
  readonly interfaces?: number;
}

/**
 * What `createElement` installs by default: the ARA-M instance `A00000015141434C00` from its package
 * once the package is in DEFAULT_PACKAGES, e.g.
 *   { package: ARA_M_PACKAGE.aid, module: ARA_M_PACKAGE.modules[0].aid, aid: ARA_M_AID },
 */
export const DEFAULT_PREINSTALLED: readonly PreinstalledApplication[] = [];

/** The AID of the ARA-M, for checks: it is never made available on the contactless interface. */
export const ARA_M_HEX = toHex(ARA_M_AID);
export const CONTACT_ONLY = InterfaceBit.CONTACT;

/**
 * The packages an element can run (its "ROM"), by AID, with the security domain package always
 * present. Package and module AIDs are unique across the catalogue.
 */
export class Catalogue {
  readonly #packages = new Map<string, AppletPackage>();
  readonly #images = new Map<string, string>();

  constructor(packages: readonly AppletPackage[] = DEFAULT_PACKAGES) {
    const modules = new Set<string>();
    for (const pkg of [SSD_PACKAGE, ...packages]) {
      const key = toHex(pkg.aid);
      if (this.#packages.has(key)) {
        if (this.#packages.get(key) === pkg) continue;
        throw new SecureElementError('ERR_SE_CATALOGUE', `two packages have the AID ${key}`);
      }
      let image: Uint8Array;
      try {
        image = loadFileDataBlock(pkg);
      } catch (err) {
        throw new SecureElementError('ERR_SE_CATALOGUE', `package ${key} cannot be imaged: ${(err as Error).message}`, { cause: err });
      }
      for (const m of pkg.modules) {
        const mk = toHex(m.aid);
        if (modules.has(mk) || this.#packages.has(mk)) throw new SecureElementError('ERR_SE_CATALOGUE', `module AID ${mk} is not unique in the catalogue`);
        modules.add(mk);
      }
      this.#packages.set(key, pkg);
      this.#images.set(key, hashHex(image));
    }
  }

  get packages(): AppletPackage[] {
    return [...this.#packages.values()];
  }

  find(aid: string): AppletPackage | undefined {
    return this.#packages.get(aid);
  }

  /** SHA-256 of the package's Load File Data Block. */
  imageHash(aid: string): string | undefined {
    return this.#images.get(aid);
  }

  module(packageAid: string, moduleAid: string): AppletModule | undefined {
    return this.#packages.get(packageAid)?.modules.find((m) => toHex(m.aid) === moduleAid);
  }

  /** Whether a module creates security domains. */
  static isDomainModule(moduleAid: string | null): boolean {
    return moduleAid === toHex(SSD_MODULE_AID);
  }
}
