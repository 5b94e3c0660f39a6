import { field, object, only } from '../../http/validate.js';
import { json, type Request, type Route } from '../../http/index.js';
import { isSeId } from '../se-identity.js';
import { deletionOrders, orderView } from '../sp/deletion-orders.js';
import type { AppInstance } from '../sp/sp-tsm.js';
import type { Database } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import type { RelayService } from './relay-service.js';

const APP_ID = /^app_[0-9a-f]{24}$/;

function seIdOf(req: Request): string {
  const seId = req.params.seId ?? '';
  if (!isSeId(seId)) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId}`);
  return seId;
}

/**
 * Deletion orders and factory reset (docs/services/tsm.md "Orders"): what the new app shows when the
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
