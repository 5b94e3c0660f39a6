import { ARA_M_AID, ARA_M_PACKAGE } from '../../devices/secure-element/ara-m/index.js';
import type { AppletPackage, CreateElementOptions, SeProfile } from '../../devices/secure-element/index.js';
import { JPKI_APPLET_PACKAGE } from '../../devices/applets/jpki/index.js';

/**
 * What a phone's secure element is made with: a catalogue holding the ARA-M and the JPKI applet
 * packages, and the ARA-M instance preinstalled in the ISD (what the OS's access control enforcer
 * reads). The JPKI applet is *not* loaded: the SEI-TSM loads and installs it (flow 2). One place for
 * it until the element makes it its default. `jpkiPackage` lets tests use the applet built with a
 * cheaper PIN hash (the load file image, and so its hash, does not depend on it).
 */
export function phoneElementOptions(profile: SeProfile, options: { jpkiPackage?: AppletPackage } = {}): CreateElementOptions & { packages: readonly AppletPackage[] } {
  return {
    profile,
    packages: [ARA_M_PACKAGE, options.jpkiPackage ?? JPKI_APPLET_PACKAGE],
    preinstalled: [{ package: ARA_M_PACKAGE.aid, module: ARA_M_PACKAGE.modules[0]!.aid, aid: ARA_M_AID }],
  };
}
