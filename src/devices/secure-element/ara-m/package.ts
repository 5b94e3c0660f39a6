import { SW, throwSw } from '../../../apdu/index.js';
import { fromHex } from '../../../bytes/index.js';
import type { AppletModule, AppletPackage, SeAppletHost } from '../contract.js';
import { AraMApplet } from './applet.js';
import { initialAraMData, type AraMData } from './state.js';

export { ARA_M_AID } from './aid.js';

/**
 * Executable Load File AID of this project's ARA-M package: the instance AID without its last byte.
 * It differs from the instance AID (GP keeps load file and application AIDs apart in the registry),
 * and as a load file is never selectable, a partial SELECT of `A00000015141434C` still finds only the
 * instance.
 */
export const ARA_M_PACKAGE_AID: Uint8Array = fromHex('A00000015141434C');

/**
 * Executable Module AID: the package AID with `01`. It differs from the instance AID in the last byte,
 * so the instance can be installed from it under the AID the enforcer expects (INSTALL [for install]
 * names module and instance separately).
 */
export const ARA_M_MODULE_AID: Uint8Array = fromHex('A00000015141434C01');

/**
 * The ARA-M module. The ARA-M takes no application-specific install parameters: `C9` must be empty
 * ('6A80' otherwise). A new instance has no rules and the refresh tag `00…00`.
 */
export const ARA_M_MODULE: AppletModule<AraMData> = {
  aid: ARA_M_MODULE_AID,
  name: 'ARA-M',
  initialData(installParameters: Uint8Array): AraMData {
    if (installParameters.length !== 0) throwSw(SW.INCORRECT_DATA);
    return initialAraMData();
  },
  create(host: SeAppletHost<AraMData>): AraMApplet {
    return new AraMApplet(host);
  },
};

/** The ARA-M load file: version 1.0, one module. */
export const ARA_M_PACKAGE: AppletPackage = {
  aid: ARA_M_PACKAGE_AID,
  name: 'ARA-M',
  version: [1, 0],
  modules: [ARA_M_MODULE as AppletModule],
};
