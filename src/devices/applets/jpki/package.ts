import { SW, throwSw } from '../../../apdu/index.js';
import { hex } from '../../../bytes/index.js';
import type { AppletModule, AppletPackage } from '../../secure-element/contract.js';
import { emptyAppletData, type JpkiAppletData } from './applet-data.js';
import { JPKI_AID } from './constants.js';
import { JpkiSeApplet, type JpkiSeAppletOptions } from './se-applet.js';

/**
 * The load file of the JPKI applet and its one module. The instance is installed with the JPKI-AP's
 * DF name, `D392F000260100000001`, so readers and kiosks select the phone exactly as they select the
 * card. The load file and module AIDs share the instance's RID and PIX start but leave it at the 8th
 * byte (`…0001…` where the instance has `…0000…`): neither is a prefix of the instance AID nor has
 * it as a prefix, so no SELECT by the instance AID, whole or right-truncated (partial selection),
 * can name them — and load files and modules are not selectable anyway.
 */
export const JPKI_APPLET_ELF_AID = hex('D392F00026010001');
export const JPKI_APPLET_MODULE_AID = hex('D392F0002601000101');
/** The AID the SEI-TSM gives the instance at INSTALL [for install]. */
export const JPKI_APPLET_INSTANCE_AID = JPKI_AID;

/**
 * The module. Install parameters (`C9` content) must be empty: the applet starts with no key,
 * certificate or PIN, and everything else comes through the management interface ('6A80' otherwise).
 */
export function jpkiAppletModule(options: JpkiSeAppletOptions = {}): AppletModule<JpkiAppletData> {
  return {
    aid: JPKI_APPLET_MODULE_AID,
    name: 'JPKI applet',
    initialData(installParameters: Uint8Array): JpkiAppletData {
      if (installParameters.length !== 0) throwSw(SW.INCORRECT_DATA);
      return emptyAppletData();
    },
    create: (host) => new JpkiSeApplet(host, options),
  };
}

/** The load file with a module of the given options (tests use a cheap scrypt cost). */
export function jpkiAppletPackage(options: JpkiSeAppletOptions = {}): AppletPackage {
  return { aid: JPKI_APPLET_ELF_AID, name: 'jpki-applet', version: [1, 0], modules: [jpkiAppletModule(options)] };
}

/** The JPKI applet's load file as the element's catalogue lists it (default scrypt cost). */
export const JPKI_APPLET_PACKAGE: AppletPackage = jpkiAppletPackage();
