import { HttpProblem, json, type Request, type Route } from '../services/http/index.js';
import { base64, integer, object, only, optionalString, string } from '../services/http/validate.js';
import { authenticate, requireRole } from '../services/jpki/operators.js';
import type { JpkiService } from '../services/jpki/service.js';
import { isIsoDate, type IsoDate } from '../pki/x509/index.js';
import { assetRoutes } from './assets.js';
import type { CardShelf } from './card-shelf.js';
import { signOnCard } from './card-terminal.js';
import type { CounterReaders } from './counter-readers.js';
import { counterRoutes } from './counter-routes.js';
import { issueAtOffice } from './office.js';
import type { PhoneShelf } from './phone-shelf.js';
import { phoneRoutes } from './phone-routes.js';

export interface WebOptions {
  readonly service: JpkiService;
  readonly shelf: CardShelf;
  /** The phone shelf (`/web/v1/phones`); without it the phone endpoints are not served. */
  readonly phones?: PhoneShelf;
  /** The kiosk's counter readers (`/web/v1/counter-readers`); without them those endpoints are not served. */
  readonly counter?: CounterReaders;
  /** The static folder (default: the package's `src/web/static`). */
  readonly staticDir?: string;
}

/** Maps the web interface's codes (and the card's, which its endpoints surface) to HTTP statuses. */
export function webStatusOf(code: string): number | undefined {
  const table: Record<string, number> = {
    ERR_WEB_CARD_UNKNOWN: 404,
    ERR_WEB_PHONE_UNKNOWN: 404,
    ERR_WEB_PHONE_SHELF_FULL: 409,
    ERR_WEB_PHONE_SHELF_CLOSED: 503,
    ERR_WEB_PHONE_MAKER: 502,
    ERR_WEB_PHONE_NO_APP: 409,
    ERR_WEB_APP_UNKNOWN: 404,
    ERR_WEB_RESET_NOT_CONFIRMED: 400,
    ERR_WEB_SHOP_TERMINAL: 502,
    ERR_WEB_COUNTER_READER_UNKNOWN: 404,
    ERR_WEB_COUNTER_READER_OCCUPIED: 409,
    ERR_WEB_COUNTER_ITEM_ELSEWHERE: 409,
    ERR_BIOMETRIC_ALREADY_ENROLLED: 409,
    ERR_BIOMETRIC_ENROLMENT_FULL: 409,
    ERR_BIOMETRIC_ENROLMENT_UNKNOWN: 404,
    ERR_BIOMETRIC_FINGER_INVALID: 400,
    ERR_PHONE_CONFIG: 400,
    ERR_PHONE_APP_SIGNATURE_MISMATCH: 409,
    ERR_ID_CARD_PIN_FORMAT: 400,
    ERR_ID_CARD_PASSWORD_FORMAT: 400,
    ERR_CARD_STATE_EXISTS: 409,
  };
  return table[code];
}

function date(o: Record<string, unknown>, key: string, path: string): IsoDate {
  const value = string(o, key, { path, pattern: /^\d{4}-\d{2}-\d{2}$/ });
  if (!isIsoDate(value)) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', `${path}.${key}: must be a real date YYYY-MM-DD`);
  return value;
}

const noStore = { 'cache-control': 'no-store' };

function cardId(req: Request): string {
  return req.params.id ?? '';
}

/**
 * The web interface: its pages (`/`, `/office`, `/portal`, …) and the endpoints of what a browser
 * cannot do itself (`/web/v1`): the municipal office's card issuance, which makes an emulated card,
 * and the card on the holder's reader, which signs a relying party's DigestInfo after the PIN or the
 * password. Everything else the pages ask of the parties' own APIs.
 */
export function webRoutes(options: WebOptions): Route[] {
  const { service, shelf } = options;
  return [
    ...assetRoutes(options.staticDir),
    ...(options.phones ? phoneRoutes({ service, phones: options.phones, cards: shelf }) : []),
    ...(options.counter ? counterRoutes(options.counter) : []),
    { method: 'GET', pattern: '/web/v1/cards', handler: async () => json(200, { cards: await shelf.list() }, noStore) },
    { method: 'GET', pattern: '/web/v1/cards/:id', handler: async (req) => json(200, await shelf.describe(cardId(req)), noStore) },
    {
      method: 'POST',
      pattern: '/web/v1/cards',
      handler: async (req) => {
        const actor = await authenticate(service.ctx.db, req.headers.authorization);
        requireRole(actor, 'office', 'admin');
        const body = object(req.json());
        only(body, ['person', 'cardExpiry', 'pin', 'password']);
        const p = object(body.person, 'body.person');
        only(p, ['name', 'address', 'birthDate', 'sex'], 'body.person');
        const expiry = optionalString(body, 'cardExpiry', { pattern: /^\d{4}-\d{2}-\d{2}$/ });
        if (expiry !== undefined && !isIsoDate(expiry)) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', 'body.cardExpiry: must be a real date YYYY-MM-DD');
        const state = await issueAtOffice(service, actor, {
          person: {
            name: string(p, 'name', { path: 'body.person', max: 100 }),
            address: string(p, 'address', { path: 'body.person', max: 200 }),
            birthDate: date(p, 'birthDate', 'body.person'),
            sex: integer(p, 'sex', { path: 'body.person', min: 1, max: 3 }) as 1 | 2 | 3,
          },
          ...(expiry !== undefined ? { cardExpiry: expiry } : {}),
          pin: string(body, 'pin', { max: 16 }),
          password: string(body, 'password', { max: 16 }),
        });
        return json(201, await shelf.add(state), noStore);
      },
    },
    {
      method: 'POST',
      pattern: '/web/v1/cards/:id/signatures',
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['key', 'secret', 'digestInfo']);
        const key = string(body, 'key', { pattern: /^(auth|sign)$/ }) as 'auth' | 'sign';
        const secret = string(body, 'secret', { max: 16 });
        const digestInfo = base64(body, 'digestInfo', { maxBytes: 245 });
        const r = await signOnCard(shelf, cardId(req), key, secret, digestInfo);
        return json(200, { certificate: Buffer.from(r.certificate).toString('base64'), signature: Buffer.from(r.signature).toString('base64') }, noStore);
      },
    },
  ];
}
