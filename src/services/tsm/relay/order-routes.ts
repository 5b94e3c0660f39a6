import { fromHex } from '../../../bytes/index.js';
import { field, object, only, string } from '../../http/validate.js';
import { json, type Request, type Route } from '../../http/index.js';
import { isSeId } from '../se-identity.js';
import { deletionOrders, orderView } from '../sp/deletion-orders.js';
import type { AppInstance } from '../sp/sp-tsm.js';
import type { Database } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import type { RelayService } from './relay-service.js';

const APP_ID = /^app_[0-9a-f]{24}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

function seIdOf(req: Request): string {
  const seId = req.params.seId ?? '';
  if (!isSeId(seId)) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId}`);
  return seId;
}

/**
 * Deletion orders and factory reset (docs/services/tsm-orders.md): what the new app shows when the
 * old phone's deletion is not confirmed, the reset the phone announces, and the orders for an admin.
 */
export function orderRoutes(relay: RelayService, db: Database, auth: { admin(req: Request): Promise<void>; app(req: Request): Promise<AppInstance> }): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/tsm/v1/app-instances/:id/orders',
      handler: async (req) => {
        const caller = await auth.app(req);
        const id = req.params.id ?? '';
        if (!APP_ID.test(id) || id !== caller.id) throw new TsmError('ERR_TSM_FORBIDDEN', 'an app instance reads only its own orders');
        return json(200, { appInstanceId: caller.id, seId: caller.seId, ...(await relay.sp.ordersForApp(caller)) });
      },
    },
    {
      method: 'POST',
      pattern: '/tsm/v1/elements/:seId/reset',
      maxBody: 1024,
      handler: async (req) => {
        const caller = await auth.app(req);
        const seId = seIdOf(req);
        if (req.body.length > 0) only(object(req.json()), []);
        return json(200, await relay.factoryReset(caller, seId));
      },
    },
    {
      // The OS SE agent's reset notice (flow 10): no credential, the element's own proof (reset-notice.ts).
      method: 'POST',
      pattern: '/tsm/v1/reset-notices',
      maxBody: 4096,
      handler: async (req) => {
        const body = object(req.json());
        only(body, ['noticeId', 'deviceId', 'resetAt', 'cplc', 'proof']);
        const resetAt = string(body, 'resetAt', { max: 30, pattern: ISO_TIME });
        if (Number.isNaN(Date.parse(resetAt))) throw field('body.resetAt', 'is not a valid time');
        const { status, answer } = await relay.resetNotice({
          noticeId: string(body, 'noticeId', { max: 32, pattern: /^[0-9A-Fa-f]{32}$/ }),
          deviceId: string(body, 'deviceId', { max: 64, pattern: /^[\x20-\x7e]+$/ }),
          resetAt,
          cplc: fromHex(string(body, 'cplc', { max: 90, pattern: /^(?:9F7F2A)?[0-9A-Fa-f]{84}$/ }).toUpperCase()),
          proof: fromHex(string(body, 'proof', { max: 140, pattern: /^(?:[0-9A-Fa-f]{2}){2,70}$/ }).toUpperCase()),
        });
        return json(status, answer);
      },
    },
    {
      method: 'GET',
      pattern: '/tsm/v1/orders',
      handler: async (req) => {
        await auth.admin(req);
        const seId = req.query.get('seId');
        if (seId !== null && !isSeId(seId)) throw field('query.seId', 'not a secure element id');
        return json(200, { orders: (await deletionOrders(db, seId === null ? {} : { seId })).map(orderView) });
      },
    },
  ];
}
