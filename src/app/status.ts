import { RelyingParty, RelyingPartyError } from '../sdk/index.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { toUserError } from './user-errors.js';

/**
 * What the app's status screen shows: this phone's two certificates with their status, asked of the
 * certification service's OCSP responder (CRL fallback) through the relying-party SDK, and the deletion
 * orders of the holder's *other* phones (flow 6.4): when a new handset superseded an old one, the old
 * phone's keys are deleted by push when it comes online; until that is confirmed the app warns, and
 * says what to do when the old phone cannot be reached (reset it, or take it to a shop).
 */
export type CertificateState = 'good' | 'revoked' | 'suspended' | 'expired' | 'unknown' | 'unavailable' | 'invalid' | 'not-kept';

export interface CertificateStatusView {
  readonly which: 'auth' | 'sign';
  readonly serial: string;
  readonly state: CertificateState;
  /** The CRLReason name for `revoked` (`superseded`, `cessationOfOperation`, …). */
  readonly reason?: string;
  readonly revokedAt?: string;
  /** `ocsp` or `crl`: where the answer came from. */
  readonly source?: string;
  /** The SDK's code behind a state other than `good`. */
  readonly code?: string;
}

/** A deletion order of another element of the holder, as `GET /tsm/v1/app-instances/{id}/orders` gives it. */
export interface DeletionOrderSeen {
  readonly orderId: string;
  readonly kind: string;
  readonly seId: string;
  readonly state: 'pending' | 'done' | 'cancelled' | string;
  /** `confirmed`, `waiting` (the push message waits for the phone), `not-confirmed` (it cannot be reached), `cancelled`. */
  readonly deletion: string;
  readonly push: { readonly status: string; readonly messageId: string | null };
  readonly serials: readonly string[];
  readonly reason: number | null;
  readonly createdAt: string;
  readonly doneAt: string | null;
}

export interface AppStatus {
  readonly seId: string | null;
  readonly appInstanceId: string | null;
  readonly preparation: string | undefined;
  readonly issuance: string | undefined;
  readonly certificates: readonly CertificateStatusView[];
  readonly orders: readonly DeletionOrderSeen[];
  /** An order of another phone is still pending whose push message expired or failed. */
  readonly deletionNotConfirmed: boolean;
  /** What the user should read, in order. */
  readonly warnings: readonly string[];
}

const MAX_GENERATIONS = 16;

/** Every published generation of a CA, from 1 until the first missing one. */
async function anchors(app: JpkiApp, hierarchy: 'sign' | 'auth'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= MAX_GENERATIONS; n++) {
    const res = await app.fetch(`${app.serverUrl}/ca/${hierarchy}/${n}.crt`);
    if (res.status !== 200) {
      await res.arrayBuffer();
      break;
    }
    out.push(new Uint8Array(await res.arrayBuffer()));
  }
  return out;
}

async function certificateStatus(rp: RelyingParty, which: 'auth' | 'sign', serial: string, der: string | undefined): Promise<CertificateStatusView> {
  if (der === undefined) return { which, serial, state: 'not-kept' };
  try {
    const v = await rp.verifyCertificate({ certificate: new Uint8Array(Buffer.from(der, 'base64')), use: which === 'auth' ? 'login' : 'signing' });
    return { which, serial, state: 'good', source: v.status.source };
  } catch (err) {
    if (!(err instanceof RelyingPartyError)) throw err;
    const base = { which, serial, code: err.code, ...(err.source ? { source: err.source } : {}) };
    switch (err.code) {
      case 'ERR_RP_CERT_REVOKED':
        return { ...base, state: 'revoked', ...(err.reason ? { reason: err.reason } : {}), ...(err.revokedAt ? { revokedAt: err.revokedAt.toISOString() } : {}) };
      case 'ERR_RP_CERT_SUSPENDED':
        return { ...base, state: 'suspended', reason: 'certificateHold', ...(err.revokedAt ? { revokedAt: err.revokedAt.toISOString() } : {}) };
      case 'ERR_RP_CERT_EXPIRED':
        return { ...base, state: 'expired' };
      case 'ERR_RP_CERT_STATUS_UNKNOWN':
        return { ...base, state: 'unknown' };
      case 'ERR_RP_STATUS_UNAVAILABLE':
        return { ...base, state: 'unavailable' };
      default:
        return { ...base, state: 'invalid' };
    }
  }
}

/** The orders of the holder's other phones, with the app's credential. */
export async function deletionOrders(app: JpkiApp): Promise<{ orders: DeletionOrderSeen[]; deletionNotConfirmed: boolean }> {
  const credential = await app.credential();
  const res = await app.fetch(`${app.serverUrl}/tsm/v1/app-instances/${app.data.appInstanceId!}/orders`, { headers: { authorization: `Bearer ${credential}` } });
  const body = (await res.json().catch(() => ({}))) as { orders?: DeletionOrderSeen[]; deletionNotConfirmed?: boolean; code?: string };
  if (res.status !== 200 || !Array.isArray(body.orders)) {
    throw new AppError('ERR_APP_SERVER', `The service did not give the deletion orders (${res.status} ${body.code ?? ''}): try again later.`);
  }
  return { orders: body.orders, deletionNotConfirmed: body.deletionNotConfirmed === true };
}

const CERTIFICATE_NAME = { auth: 'user-authentication certificate', sign: 'signature certificate' } as const;

function warningsOf(certificates: readonly CertificateStatusView[], orders: readonly DeletionOrderSeen[]): string[] {
  const out: string[] = [];
  for (const o of orders) {
    if (o.state !== 'pending') continue;
    if (o.deletion === 'not-confirmed') {
      out.push(
        `Deletion of the JPKI keys on your old phone (secure element ${o.seId}) is not confirmed: the phone could not be reached (push ${o.push.status}). ` +
          'Reset the old phone (factory reset), or take it to a shop to have the keys deleted.',
      );
    } else {
      out.push(
        `Your old phone (secure element ${o.seId}) has not deleted its JPKI keys yet: they are deleted when it is next online (push ${o.push.status}). ` +
          'If you no longer have it, reset it (factory reset) or take it to a shop.',
      );
    }
  }
  for (const c of certificates) {
    const name = CERTIFICATE_NAME[c.which];
    if (c.state === 'suspended') out.push(`Your ${name} is suspended (the call centre held it): call the call centre${c.which === 'auth' ? ' to release it' : ''}, or issue new certificates with your card.`);
    else if (c.state === 'revoked') out.push(`Your ${name} is revoked (${c.reason ?? 'no reason given'}): issue new certificates with your card.`);
    else if (c.state === 'expired') out.push(`Your ${name} has expired: issue new certificates with your card.`);
  }
  return out;
}

export async function appStatus(app: JpkiApp): Promise<AppStatus> {
  if (app.flowState('preparation') !== 'ready') throw new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.');
  try {
    const issued = app.data.certificates;
    let certificates: CertificateStatusView[] = [];
    if (issued) {
      const der = app.data.certificateDer ?? undefined;
      // The app only shows the status: it accepts the test policy too, and asks every time.
      const rp = new RelyingParty({
        trustAnchors: { auth: await anchors(app, 'auth'), sign: await anchors(app, 'sign') },
        mode: 'test',
        status: { fetch: app.fetch, cache: { ocspEntries: 0, crlEntries: 0 } },
      });
      certificates = [await certificateStatus(rp, 'auth', issued.auth, der?.auth), await certificateStatus(rp, 'sign', issued.sign, der?.sign)];
    }
    const { orders, deletionNotConfirmed } = await deletionOrders(app);
    return {
      seId: app.data.seId,
      appInstanceId: app.data.appInstanceId,
      preparation: app.flowState('preparation'),
      issuance: app.flowState('issuance'),
      certificates,
      orders,
      deletionNotConfirmed,
      warnings: warningsOf(certificates, orders),
    };
  } catch (err) {
    throw toUserError(err, { doing: 'reading the status' });
  }
}
