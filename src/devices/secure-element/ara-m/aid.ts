import { fromHex } from '../../../bytes/index.js';

/**
 * The ARA-M instance AID, `A000000151 41434C 00` (GlobalPlatform RID, "ACL", 00): what the enforcer
 * selects ([AOSP-SE] `AraController.ARA_M_AID`, [UICC-CP]; digest 4.1). In a file of its own so the
 * phone's enforcer can name it without importing the applet.
 */
export const ARA_M_AID: Uint8Array = fromHex('A00000015141434C00');
