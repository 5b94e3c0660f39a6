import { JpkiServiceError } from './errors.js';

/**
 * Who acts on a certificate. Operators authenticate with a bearer token (office, call centre, admin,
 * the SP-TSM for phone issuance, and relying parties with a public mandate — the portal, the
 * kiosk — that read status and person records and change nothing); the holder authenticates with
 * the phone's own user-authentication key; the system acts on its own rules (supersede, cascade,
 * factory reset).
 */
export type Actor =
  | { readonly kind: 'office'; readonly id: string }
  | { readonly kind: 'call-centre'; readonly id: string }
  | { readonly kind: 'admin'; readonly id: string }
  | { readonly kind: 'sp-tsm'; readonly id: string }
  | { readonly kind: 'relying-party'; readonly id: string }
  | { readonly kind: 'holder'; readonly personId: string }
  | { readonly kind: 'system'; readonly cause: string };

export type OperatorRole = 'office' | 'call-centre' | 'admin' | 'sp-tsm' | 'relying-party';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['office', 'call-centre', 'admin', 'sp-tsm', 'relying-party'];

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'holder':
      return `holder:${actor.personId}`;
    case 'system':
      return `system:${actor.cause}`;
    default:
      return `${actor.kind}:${actor.id}`;
  }
}

export type Device = 'card' | 'phone';

/**
 * RFC 5280 5.3.1 reason codes (values) by name, as far as this service uses them. The closed set with
 * JPKI meanings lives in src/pki/revocation/reasons.ts; this is the policy of who may use which.
 */
export const Reason = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
} as const;

/**
 * Which actor may revoke (or hold, reason 6) which certificates with which reason:
 * - the municipal office: card certificates, for a card lost (keyCompromise), a basic-four change
 *   (affiliationChanged), renewal (superseded), death or request (cessationOfOperation), a certificate
 *   discarded before delivery (unspecified); and phone certificates with keyCompromise or
 *   cessationOfOperation at the holder's request;
 * - the call centre: holds (suspension) on any certificate, and revocation of phone certificates with
 *   keyCompromise (the phone was not found);
 * - the holder, from the phone and without the card: their own phone certificates, cessationOfOperation
 *   or keyCompromise (flow 7);
 * - the system: superseded (a new phone certificate), cessationOfOperation or affiliationChanged
 *   (cascade from the card certificate, factory reset);
 * - an admin: any reason.
 */
const POLICY: Record<Actor['kind'], Record<Device, readonly number[]>> = {
  office: { card: [0, 1, 3, 4, 5, 6], phone: [1, 5] },
  'call-centre': { card: [6], phone: [1, 6] },
  holder: { card: [], phone: [1, 5] },
  system: { card: [4, 5], phone: [3, 4, 5] },
  admin: { card: [0, 1, 2, 3, 4, 5, 6, 9], phone: [0, 1, 2, 3, 4, 5, 6, 9] },
  'sp-tsm': { card: [], phone: [] },
  'relying-party': { card: [], phone: [] },
};

export function assertMayRevoke(actor: Actor, device: Device, reason: number): void {
  if (!POLICY[actor.kind][device].includes(reason)) {
    throw new JpkiServiceError('ERR_JPKI_REASON_NOT_ALLOWED', `${actor.kind} may not use reason ${reason} on a ${device} certificate`);
  }
}

/** Releasing a hold: the call centre, the office or an admin. */
export function assertMayRelease(actor: Actor): void {
  if (!['call-centre', 'office', 'admin'].includes(actor.kind)) {
    throw new JpkiServiceError('ERR_JPKI_REASON_NOT_ALLOWED', `${actor.kind} may not release a hold`);
  }
}
