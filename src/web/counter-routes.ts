import { field, object, only, string } from '../services/http/validate.js';
import { json, type Route } from '../services/http/index.js';
import { CARD_ID } from './card-shelf.js';
import type { CounterItem, CounterReaders } from './counter-readers.js';
import { PHONE_ID } from './phone-shelf.js';

const noStore = { 'cache-control': 'no-store' };

/**
 * The kiosk's counter readers as the holder's hand sees them (`/web/v1/counter-readers`): what lies on
 * each, holding a shelved card or phone to one, taking it away. The kiosk itself reads them through
 * `/kiosk/v1` like any reader (docs/web.md).
 */
export function counterRoutes(counter: CounterReaders): Route[] {
  const P = '/web/v1/counter-readers';
  return [
    { method: 'GET', pattern: P, handler: async () => json(200, { readers: await counter.views() }, noStore) },
    { method: 'GET', pattern: `${P}/:name`, handler: async (req) => json(200, await counter.view(req.params.name ?? ''), noStore) },
    {
      method: 'PUT',
      pattern: `${P}/:name/item`,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['card', 'phone']);
        if ((body.card === undefined) === (body.phone === undefined)) throw field('body', 'one of card or phone');
        const item: CounterItem = body.card !== undefined ? { kind: 'card', id: string(body, 'card', { pattern: CARD_ID }) } : { kind: 'phone', id: string(body, 'phone', { pattern: PHONE_ID }) };
        return json(200, await counter.put(req.params.name ?? '', item), noStore);
      },
    },
    { method: 'DELETE', pattern: `${P}/:name/item`, handler: async (req) => json(200, await counter.take(req.params.name ?? ''), noStore) },
  ];
}
