/**
 * The relying parties of the system (flows 4 and 12), on the relying-party SDK: the Mynaportal-like
 * portal, the bank, and the convenience-store kiosk, each a library class and an HTTP API
 * (docs/relying-parties.md). `relyingPartyRoutes` mounts them under /portal/v1, /bank/v1, /kiosk/v1.
 */
import type { Route } from '../services/http/index.js';
import { bankRoutes, bankStatusOf, type Bank } from './bank/index.js';
import { kioskRoutes, kioskStatusOf, type Kiosk } from './kiosk/index.js';
import { portalRoutes, portalStatusOf, type Portal, type PortalRoutesOptions } from './portal/index.js';

export * from './shared/index.js';
export * from './portal/index.js';
export * from './bank/index.js';
export * from './kiosk/index.js';

/** Every route of the parties given (a deployment may run one, two or all three). */
export function relyingPartyRoutes(parties: { portal?: Portal; bank?: Bank; kiosk?: Kiosk }, options: { portal?: PortalRoutesOptions } = {}): Route[] {
  return [
    ...(parties.portal ? portalRoutes(parties.portal, options.portal) : []),
    ...(parties.bank ? bankRoutes(parties.bank) : []),
    ...(parties.kiosk ? kioskRoutes(parties.kiosk) : []),
  ];
}

/** The HTTP status of each relying-party code (their handlers also map them themselves, with headers and extensions). */
export function relyingPartiesStatusOf(code: string): number | undefined {
  return portalStatusOf(code) ?? bankStatusOf(code) ?? kioskStatusOf(code);
}
