import { checkResetEntries, shopCheck, type ShopReport, type SecretsToReset } from '../app/index.js';
import { RelyingParty } from '../sdk/index.js';
import type { JpkiService } from '../services/jpki/service.js';
import type { CardShelf } from './card-shelf.js';
import { WebError } from './errors.js';
import { describePhone, type ShelvedPhone } from './phone-actions.js';
import { asApp } from './phone-problems.js';
import type { PhoneShelf } from './phone-shelf.js';

/** Flow 5, local: the PIN or the signature password changed knowing the current one. */
export interface SecretChangeRequest {
  readonly which: 'pin' | 'password';
  readonly current: string;
  readonly next: string;
  readonly confirm: string;
}

/**
 * Flow 5, local part (`JpkiApp.changeSecret`): the new value is checked first (`ERR_APP_SECRET_FORMAT`,
 * no try spent), then the applet VERIFYs the current one (a wrong one costs a try: `ERR_APP_SECRET_WRONG`
 * with `triesLeft`) and changes it. A changed PIN turns fingerprint unlock off (the sealed PIN is old).
 */
export function changeOnPhone(shelf: PhoneShelf, id: string, r: SecretChangeRequest): Promise<ShelvedPhone> {
  return shelf.use(id, (p) => asApp(async () => {
    await (await shelf.app(p)).changeSecret(r);
    return describePhone(p);
  }));
}

export interface SecretResetRequest {
  readonly cardId: string;
  readonly cardPassword: string;
  readonly secrets: SecretsToReset;
  readonly pin?: string;
  readonly pinConfirm?: string;
  readonly password?: string;
  readonly passwordConfirm?: string;
}

/**
 * Flow 5, online (`JpkiApp.resetSecrets`): a forgotten or blocked PIN or password re-initialised with a
 * card of the card shelf held to the phone. The new values are checked before the session starts (the
 * page asks for them first, as at issuance), so a typo costs no card try; the card signs the request
 * after its signature password; the service checks that the card is the holder's
 * (`ERR_APP_CARD_NOT_HOLDER`); the SP-TSM sets temporary values and the app replaces them at once.
 */
export async function resetWithCard(shelf: PhoneShelf, cards: CardShelf, id: string, r: SecretResetRequest): Promise<{ sessionId: string; secrets: SecretsToReset; phone: ShelvedPhone }> {
  const entries = {
    ...(r.pin !== undefined ? { pin: r.pin, pinConfirm: r.pinConfirm } : {}),
    ...(r.password !== undefined ? { password: r.password, passwordConfirm: r.passwordConfirm } : {}),
  };
  await asApp(async () => checkResetEntries(r.secrets, entries));
  await cards.describe(r.cardId);
  return shelf.use(id, (p) => asApp(async () => {
    const app = await shelf.app(p);
    const result = await cards.onReader(r.cardId, (card) => app.resetSecrets({ card, secrets: r.secrets, cardPassword: async () => r.cardPassword, newSecrets: async () => entries }));
    return { sessionId: result.sessionId, secrets: result.secrets, phone: await describePhone(p) };
  }));
}

export interface FactoryResetOutcome {
  /** The notice the OS sent (flows.md 10.1). */
  readonly notice: { readonly id: string; readonly deviceId: string; readonly resetAt: string };
  /** Handlers told during the reset. */
  readonly completed: readonly string[];
  /** Handlers whose notice stays pending (offline, refused): sent again when the phone is next online. */
  readonly pending: readonly { readonly handler: string; readonly attempts: number; readonly lastError: string | null }[];
  readonly phone: ShelvedPhone;
}

/**
 * Flow 10, the factory reset in the phone's OS settings (`Phone.factoryReset`): the OS's handlers run
 * before the wipe (the SE agent's reset notice: the SEI-TSM has the certificates revoked,
 * `cessationOfOperation`, and the JPKI applet and its security domain deleted; the push agent's: its
 * tokens die), then apps, keystore keys, fingers and settings are wiped. The phone stays on the shelf,
 * clean; the reset is noted in `web.json`.
 */
export function factoryReset(shelf: PhoneShelf, id: string): Promise<FactoryResetOutcome> {
  return shelf.use(id, async (p) => {
    const phone = p.opened.phone;
    const report = await phone.factoryReset();
    p.app = undefined;
    const pending = phone.pendingResetNotices.filter((n) => n.notice.id === report.notice.id).map((n) => ({ handler: n.handler, attempts: n.attempts, lastError: n.lastError }));
    await p.notes.addReset({ noticeId: report.notice.id, resetAt: report.notice.resetAt, completed: [...report.completed], pending: pending.map((n) => n.handler) });
    return { notice: { ...report.notice }, completed: [...report.completed], pending, phone: await describePhone(p) };
  });
}

const MAX_GENERATIONS = 16;

/** Every published generation of a CA (`/ca/<hierarchy>/<n>.crt`): what the shop terminal trusts. */
async function published(url: string, hierarchy: 'sign' | 'auth'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= MAX_GENERATIONS; n++) {
    let res: Response;
    try {
      res = await fetch(`${url}/ca/${hierarchy}/${n}.crt`, { signal: AbortSignal.timeout(10_000) });
    } catch (cause) {
      throw new WebError('ERR_WEB_SHOP_TERMINAL', `the shop terminal cannot reach ${url} for the CA certificates`, { cause });
    }
    if (res.status !== 200) {
      await res.arrayBuffer();
      break;
    }
    out.push(new Uint8Array(await res.arrayBuffer()));
  }
  if (out.length === 0) throw new WebError('ERR_WEB_SHOP_TERMINAL', `${url} publishes no ${hierarchy} CA certificate: the shop terminal trusts none`);
  return out;
}

/**
 * Flow 11, the shop counter check (`shopCheck`, the seed's countermeasure 3): the shop terminal's NFC
 * reader meets the phone's contactless interface; with the holder's PIN typed on the terminal it reads
 * the user-authentication certificate and asks its status by OCSP (CRL fallback), trusting the CA
 * certificates the system publishes, in the system's policy mode, without a cache. The field is turned
 * off afterwards (the phone leaves the reader: a phone left in a field would keep the applet selected).
 * A wrong PIN costs one of the phone's tries and leaves the status unknown (`reason` says why).
 */
export function shopCheckAtCounter(service: JpkiService, shelf: PhoneShelf, id: string, pin: string | undefined): Promise<ShopReport> {
  return shelf.use(id, async (p) => {
    const url = shelf.systemUrl();
    const relyingParty = new RelyingParty({
      trustAnchors: { auth: await published(url, 'auth'), sign: await published(url, 'sign') },
      rpId: 'shop-terminal',
      mode: service.ctx.mode,
      status: { cache: { ocspEntries: 0, crlEntries: 0 } },
    });
    const nfc = p.opened.phone.nfc;
    try {
      return await shopCheck(nfc, { relyingParty, ...(pin !== undefined ? { pin } : {}) });
    } finally {
      await nfc.powerOff();
    }
  });
}
