import { hex } from '../../bytes/index.js';
import { JPKI_APPLET_ELF_AID, JPKI_APPLET_INSTANCE_AID, JPKI_APPLET_MODULE_AID } from '../../devices/applets/jpki/index.js';
import { ARA_M_AID } from '../../devices/secure-element/ara-m/index.js';
import { ISD_AID, SSD_MODULE_AID, SSD_PACKAGE_AID } from '../../devices/secure-element/index.js';

/** The application identifiers the TSMs manage on a phone's secure element. */
export const AID = {
  ISD: ISD_AID,
  /** The security domain creation package and module (GlobalPlatformPro's AIDs, the element's catalogue). */
  SSD_PACKAGE: SSD_PACKAGE_AID,
  SSD_MODULE: SSD_MODULE_AID,
  /**
   * The JPKI service provider's security domain: the RID `D392F00026` of the JPKI-AP, then `02 'S' 'D'
   * 00 01`. It leaves the JPKI-AP's PIX at its 6th byte (`02`, the AP has `01`), so no SELECT of the
   * JPKI AID, whole or right-truncated past the RID, reaches the domain.
   */
  APSD: hex('D392F000260253440001'),
  JPKI_LOAD_FILE: JPKI_APPLET_ELF_AID,
  JPKI_MODULE: JPKI_APPLET_MODULE_AID,
  JPKI_APPLET: JPKI_APPLET_INSTANCE_AID,
  ARA_M: ARA_M_AID,
} as const;
