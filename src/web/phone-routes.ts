import { json, type Request, type Route } from '../services/http/index.js';
import type { SecretsToReset } from '../app/index.js';
import { base64, field, object, only, optionalString, string, type Json } from '../services/http/validate.js';
import type { JpkiService } from '../services/jpki/service.js';
import { searchStore } from './app-store.js';
import { CARD_ID, type CardShelf } from './card-shelf.js';
import {
  describePhone,
  enrolFinger,
  fingerprintUnlock,
  installFromStore,
  issueWithCard,
  notifications,
  phoneCertificates,
  prepare,
  removeFinger,
  revokeFromPhone,
  setOnline,
  signOnPhone,
  type ShelvedPhone,
} from './phone-actions.js';
import { changeOnPhone, factoryReset, resetWithCard, shopCheckAtCounter } from './phone-flows.js';
import type { PhoneShelf } from './phone-shelf.js';
import { WebError } from './errors.js';

/** The fingers a person can present to the sensor (the sensor matches enrolled ones only). */
export const FINGERS = ['right-thumb', 'right-index', 'right-middle', 'right-ring', 'right-little', 'left-thumb', 'left-index', 'left-middle', 'left-ring', 'left-little'] as const;

const MODEL = /^[^\p{Cc}\p{Cf}]{1,40}$/u;
const PACKAGE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const FINGER = new RegExp(`^(?:${FINGERS.join('|')})$`);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PIN = /^[0-9]{4}$/;
const noStore = { 'cache-control': 'no-store' };
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function phoneId(req: Request): string {
  return req.params.id ?? '';
}

/** A body that may be absent or `{}`, and nothing else. */
function emptyBody(req: Request): void {
  if (req.body.length > 0) only(object(req.json()), []);
}

function bool(o: Json, key: string): boolean {
  if (typeof o[key] !== 'boolean') throw field(`body.${key}`, 'must be true or false');
  return o[key];
}

function secret(o: Json, key: string): string {
  return string(o, key, { max: 16 });
}

/** A body that may be absent (`{}` then). */
function optionalBody(req: Request): Json {
  return req.body.length > 0 ? object(req.json()) : {};
}

/** `/web/v1/phones`: the phone shelf (docs/web.md "The phone shelf"). */
export function phoneRoutes(options: { service: JpkiService; phones: PhoneShelf; cards: CardShelf }): Route[] {
  const { service, phones, cards } = options;
  const describe = async (id: string): Promise<ShelvedPhone> => describePhone(await phones.peek(id));
  return [
    {
      method: 'GET',
      pattern: '/web/v1/app-store',
      handler: (req) => {
        for (const k of req.query.keys()) if (k !== 'q') throw field(`query.${k}`, 'unknown parameter');
        const q = req.query.get('q') ?? '';
        if (q.length > 64) throw field('query.q', 'must be at most 64 characters');
        return json(200, { apps: searchStore(q) }, noStore);
      },
    },
    {
      method: 'GET',
      pattern: '/web/v1/phones',
      handler: async () => {
        const out: ShelvedPhone[] = [];
        for (const id of phones.ids()) {
          try {
            out.push(await describe(id));
          } catch {
            // A folder that does not open as a phone is not one the browser can use.
          }
        }
        return json(200, { phones: out }, noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['model']);
        const model = string(body, 'model', { max: 40, pattern: MODEL }).trim();
        if (model === '') throw field('body.model', 'must not be blank');
        return json(201, await describe(await phones.make(model)), noStore);
      },
    },
    { method: 'GET', pattern: '/web/v1/phones/:id', handler: async (req) => json(200, await describe(phoneId(req)), noStore) },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/apps',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['packageName']);
        return json(201, await installFromStore(phones, phoneId(req), string(body, 'packageName', { max: 100, pattern: PACKAGE })), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/preparation',
      maxBody: 1024,
      handler: async (req) => {
        emptyBody(req);
        return json(200, await prepare(phones, phoneId(req)), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/issuance',
      maxBody: 4096,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['cardId', 'cardPassword', 'pin', 'pinConfirm', 'password', 'passwordConfirm']);
        const r = await issueWithCard(phones, cards, phoneId(req), {
          cardId: string(body, 'cardId', { max: 36, pattern: CARD_ID }),
          cardPassword: secret(body, 'cardPassword'),
          pin: secret(body, 'pin'),
          pinConfirm: secret(body, 'pinConfirm'),
          password: secret(body, 'password'),
          passwordConfirm: secret(body, 'passwordConfirm'),
        });
        return json(201, { ...r, phone: await describe(phoneId(req)) }, noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/fingerprints',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['finger']);
        return json(201, await enrolFinger(phones, phoneId(req), string(body, 'finger', { max: 32, pattern: FINGER })), noStore);
      },
    },
    {
      method: 'DELETE',
      pattern: '/web/v1/phones/:id/fingerprints/:enrolment',
      handler: async (req) => {
        const raw = req.params.enrolment ?? '';
        if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw field('path.enrolment', 'must be an enrolment id');
        return json(200, await removeFinger(phones, phoneId(req), Number(raw)), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/fingerprint-unlock',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['pin', 'finger']);
        const on = { pin: secret(body, 'pin'), finger: string(body, 'finger', { max: 32, pattern: FINGER }) };
        return json(200, await fingerprintUnlock(phones, phoneId(req), on), noStore);
      },
    },
    { method: 'DELETE', pattern: '/web/v1/phones/:id/fingerprint-unlock', handler: async (req) => json(200, await fingerprintUnlock(phones, phoneId(req), undefined), noStore) },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/signatures',
      maxBody: 8192,
      handler: async (req) => {
        const body = object(req.json());
        const key = string(body, 'key', { pattern: /^(auth|sign)$/ });
        let r;
        if (key === 'sign') {
          only(body, ['key', 'digestInfo', 'password']);
          r = await signOnPhone(phones, phoneId(req), { key: 'sign', digestInfo: base64(body, 'digestInfo', { maxBytes: 245 }), password: secret(body, 'password') });
        } else {
          only(body, ['key', 'challenge', 'pin', 'finger']);
          if ((body.pin === undefined) === (body.finger === undefined)) throw field('body', 'give exactly one of pin and finger');
          const challenge = new Uint8Array(Buffer.from(string(body, 'challenge', { max: 4096, pattern: BASE64URL }), 'base64url'));
          r = await signOnPhone(
            phones,
            phoneId(req),
            body.pin !== undefined ? { key: 'auth', challenge, pin: secret(body, 'pin') } : { key: 'auth', challenge, finger: string(body, 'finger', { max: 32, pattern: FINGER }) },
          );
        }
        return json(200, { certificate: b64(r.certificate), signature: b64(r.signature), via: r.via }, noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/secret-change',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['which', 'current', 'next', 'confirm']);
        const which = string(body, 'which', { pattern: /^(pin|password)$/ }) as 'pin' | 'password';
        const change = { which, current: secret(body, 'current'), next: secret(body, 'next'), confirm: secret(body, 'confirm') };
        return json(200, await changeOnPhone(phones, phoneId(req), change), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/secret-reset',
      maxBody: 4096,
      handler: async (req) => {
        const body = object(req.json());
        const secrets = string(body, 'secrets', { pattern: /^(pin|password|both)$/ }) as SecretsToReset;
        // Only the new values of the secrets being re-initialised, each twice.
        const wanted = [...(secrets !== 'password' ? ['pin', 'pinConfirm'] : []), ...(secrets !== 'pin' ? ['password', 'passwordConfirm'] : [])];
        only(body, ['cardId', 'cardPassword', 'secrets', ...wanted]);
        const values = Object.fromEntries(wanted.map((k) => [k, secret(body, k)]));
        const r = await resetWithCard(phones, cards, phoneId(req), { cardId: string(body, 'cardId', { max: 36, pattern: CARD_ID }), cardPassword: secret(body, 'cardPassword'), secrets, ...values });
        return json(200, r, noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/factory-reset',
      maxBody: 1024,
      handler: async (req) => {
        const body = optionalBody(req);
        only(body, ['confirm']);
        if (body.confirm !== true) throw new WebError('ERR_WEB_RESET_NOT_CONFIRMED', 'a factory reset erases the phone: send {"confirm": true}');
        return json(200, await factoryReset(phones, phoneId(req)), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/shop-check',
      maxBody: 1024,
      handler: async (req) => {
        const body = optionalBody(req);
        only(body, ['pin']);
        const pin = optionalString(body, 'pin', { pattern: PIN });
        return json(200, await shopCheckAtCounter(service, phones, phoneId(req), pin), noStore);
      },
    },
    { method: 'GET', pattern: '/web/v1/phones/:id/certificates', handler: async (req) => json(200, await phoneCertificates(service, phones, phoneId(req)), noStore) },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/revocation',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['pin']);
        return json(200, await revokeFromPhone(phones, phoneId(req), secret(body, 'pin')), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/network',
      maxBody: 1024,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['online']);
        return json(200, await setOnline(phones, phoneId(req), bool(body, 'online')), noStore);
      },
    },
    { method: 'GET', pattern: '/web/v1/phones/:id/notifications', handler: async (req) => json(200, await notifications(phones, phoneId(req)), noStore) },
    {
      method: 'POST',
      pattern: '/web/v1/phones/:id/notifications/poll',
      maxBody: 1024,
      handler: async (req) => {
        emptyBody(req);
        const handled = await phones.pollNow(phoneId(req)).catch(() => 0);
        return json(200, { handled, ...(await notifications(phones, phoneId(req))) }, noStore);
      },
    },
  ];
}
