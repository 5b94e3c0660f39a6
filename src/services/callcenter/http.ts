import { json, type Request, type Route } from '../http/index.js';
import { object, only, optionalString, string } from '../http/validate.js';
import type { CallCentre, PersonQuery } from './call-centre.js';
import { CallCentreError } from './errors.js';

/** Maps the call centre's codes to HTTP statuses (the JPKI codes it passes through: jpkiStatusOf). */
export function callCentreStatusOf(code: string): number | undefined {
  const table: Record<string, number> = { ERR_CALLCENTER_REQUEST: 400, ERR_CALLCENTER_UNKNOWN_PERSON: 404, ERR_CALLCENTER_AMBIGUOUS: 409, ERR_CALLCENTER_NOTHING_TO_DO: 409 };
  return table[code];
}

const PERSON_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function personId(req: Request): string {
  const id = req.params.id ?? '';
  if (!PERSON_ID.test(id)) throw new CallCentreError('ERR_CALLCENTER_UNKNOWN_PERSON', 'not a person id');
  return id;
}

/**
 * The call centre's console API under `/callcenter/v1` (docs/services/callcenter.md), for operators with
 * role `call-centre` (or admin) of the certification service.
 */
export function callCentreRoutes(cc: CallCentre): Route[] {
  const act = (verb: 'suspend' | 'release' | 'revoke', member: string): Route => ({
    method: 'POST',
    pattern: `/callcenter/v1/persons/:id/${verb}`,
    maxBody: 1024,
    handler: async (req) => {
      const actor = await cc.operator(req.headers.authorization);
      if (req.body.length > 0) only(object(req.json()), []);
      const id = personId(req);
      await cc.find(actor, { personId: id });
      return json(200, { personId: id, [member]: await cc[verb](actor, id) });
    },
  });
  return [
    {
      method: 'POST',
      pattern: '/callcenter/v1/lookups',
      maxBody: 4096,
      handler: async (req) => {
        const actor = await cc.operator(req.headers.authorization);
        const body = object(req.json());
        only(body, ['personId', 'name', 'birthDate', 'address']);
        const id = optionalString(body, 'personId', { max: 64, pattern: PERSON_ID });
        const query: PersonQuery =
          id !== undefined
            ? { personId: id }
            : {
                name: string(body, 'name', { max: 100 }),
                birthDate: string(body, 'birthDate', { pattern: DATE }),
                ...(body.address !== undefined ? { address: string(body, 'address', { max: 200 }) } : {}),
              };
        return json(200, await cc.find(actor, query));
      },
    },
    {
      method: 'GET',
      pattern: '/callcenter/v1/persons/:id/phone-certificates',
      handler: async (req) => {
        const actor = await cc.operator(req.headers.authorization);
        const id = personId(req);
        await cc.find(actor, { personId: id });
        return json(200, { personId: id, certificates: await cc.phoneCertificates(actor, id) });
      },
    },
    act('suspend', 'held'),
    act('release', 'released'),
    act('revoke', 'revoked'),
  ];
}
