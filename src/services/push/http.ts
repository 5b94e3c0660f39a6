import { HttpProblem, json, problemDocument, toProblem, type Request, type Response, type Route } from '../http/index.js';
import { field, integer, object, only, optionalString, string } from '../http/validate.js';
import { authenticate, requireRole } from '../jpki/operators.js';
import { MAX_LIST_PAGE, MESSAGE_STATES, type ListMessagesQuery } from './admin.js';
import { PushError } from './errors.js';
import { APP_ID_PATTERN, DEVICE_ID_PATTERN, MESSAGE_ID_PATTERN, SENDER_ID_PATTERN, TOKEN_PATTERN } from './identifiers.js';
import type { MessageState } from './message-store.js';
import type { PushService } from './service.js';

/** The path prefix of the push service's routes. */
export const PUSH_PREFIX = '/push/v1';

/** Maps the push service's codes to HTTP statuses (the one place this happens, style rule 8). */
export function pushStatusOf(code: string): number | undefined {
  const table: Record<string, number> = {
    ERR_PUSH_REQUEST: 400,
    ERR_PUSH_SENDER_UNAUTHENTICATED: 401,
    ERR_PUSH_DEVICE_UNAUTHENTICATED: 401,
    ERR_JPKI_UNAUTHENTICATED: 401,
    ERR_JPKI_FORBIDDEN: 403,
    ERR_PUSH_UNKNOWN_TOKEN: 404,
    ERR_PUSH_NOT_REGISTERED: 404,
    ERR_PUSH_UNKNOWN_MESSAGE: 404,
    ERR_PUSH_UNREGISTERED: 410,
    ERR_PUSH_DEVICE_RESET: 410,
    ERR_PUSH_DATA_TOO_LARGE: 413,
    ERR_PUSH_QUOTA: 429,
    ERR_PUSH_OVERLOADED: 503,
    ERR_PUSH_CLOSED: 503,
    ERR_STORE_BUSY: 503,
  };
  return table[code];
}

/** A refusal that the client should retry later, with `Retry-After` (RFC 9110 10.2.3). */
function retryLater(err: unknown, seconds: number): Response {
  const p = toProblem(err, pushStatusOf);
  return { status: p.status, headers: { 'content-type': 'application/problem+json', 'retry-after': String(seconds) }, body: JSON.stringify(problemDocument(p)) };
}

/** An endpoint that takes no parameters in its body: none, or an empty JSON object. */
function noMembers(req: Request): void {
  if (req.body.length > 0) only(object(req.json()), []);
}

/** The query may carry only these parameters, each once. */
function onlyQuery(req: Request, allowed: readonly string[]): void {
  for (const key of new Set(req.query.keys())) {
    if (!allowed.includes(key)) throw field(`query.${key}`, 'is not a parameter of this endpoint');
    if (req.query.getAll(key).length > 1) throw field(`query.${key}`, 'is given more than once');
  }
}

function waitOf(req: Request, max: number): number {
  const raw = req.query.get('wait');
  if (raw === null) return max;
  if (!/^[0-9]{1,3}$/.test(raw) || Number(raw) > max) throw field('query.wait', `must be an integer from 0 to ${max} (seconds)`);
  return Number(raw);
}

const REGISTRATION_ID_PATTERN = /^reg_[A-Za-z0-9_-]{22}$/;

/** The administrator listing's query (docs/services/push.md "Administrator"): every parameter optional, each once. */
function listQueryOf(req: Request): ListMessagesQuery {
  onlyQuery(req, ['after', 'before', 'limit', 'device', 'registration', 'sender', 'status']);
  const q = (name: string) => req.query.get(name) ?? undefined;
  const seqOf = (name: 'after' | 'before') => {
    const raw = q(name);
    if (raw === undefined) return undefined;
    if (!/^(0|[1-9][0-9]{0,14})$/.test(raw)) throw field(`query.${name}`, 'must be a seq: an integer from 0');
    return Number(raw);
  };
  const matching = (name: string, pattern: RegExp, what: string) => {
    const raw = q(name);
    if (raw !== undefined && !pattern.test(raw)) throw field(`query.${name}`, `is not ${what}`);
    return raw;
  };
  const after = seqOf('after');
  const before = seqOf('before');
  if (after !== undefined && before !== undefined) throw field('query.before', 'give after or before, not both');
  const limit = matching('limit', /^[1-9][0-9]{0,2}$/, `a page size from 1 to ${MAX_LIST_PAGE}`);
  if (limit !== undefined && Number(limit) > MAX_LIST_PAGE) throw field('query.limit', `must be from 1 to ${MAX_LIST_PAGE}`);
  const deviceId = matching('device', DEVICE_ID_PATTERN, 'a device id (dev_ and 22 characters)');
  const registrationId = matching('registration', REGISTRATION_ID_PATTERN, 'a registration id (reg_ and 22 characters)');
  const senderId = matching('sender', SENDER_ID_PATTERN, 'a sender name');
  const status = q('status');
  if (status !== undefined && !MESSAGE_STATES.includes(status as MessageState)) throw field('query.status', `is one of ${MESSAGE_STATES.join(', ')}`);
  return {
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(limit !== undefined ? { limit: Number(limit) } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...(registrationId !== undefined ? { registrationId } : {}),
    ...(senderId !== undefined ? { senderId } : {}),
    ...(status !== undefined ? { status: status as MessageState } : {}),
  };
}

function appIdOf(req: Request): string {
  const appId = req.params.appId ?? '';
  if (!APP_ID_PATTERN.test(appId)) throw field('path.appId', 'is 1-128 of A-Z a-z 0-9 . _ -');
  return appId;
}

/**
 * The push service's HTTP interface, under /push/v1 (docs/services/push.md has every request and
 * answer). Devices authenticate with their secret as a bearer token on their own paths; senders with
 * their sender token.
 */
export function pushRoutes(service: PushService): Route[] {
  const { limits } = service.ctx;
  const device = (req: Request) => service.authenticateDevice(req.params.deviceId ?? '', req.headers.authorization);
  const sender = (req: Request) => service.authenticateSender(req.headers.authorization);
  const P = PUSH_PREFIX;
  return [
    {
      method: 'POST',
      pattern: `${P}/devices`,
      maxBody: 1024,
      handler: async (req) => {
        let replaces: string | undefined;
        if (req.body.length > 0) {
          const body = object(req.json());
          only(body, ['replaces']);
          replaces = optionalString(body, 'replaces', { max: 30, pattern: DEVICE_ID_PATTERN });
        }
        // A re-enrolment ends the old identity, so it needs that identity's secret.
        const old = replaces === undefined ? undefined : await service.authenticateDevice(replaces, req.headers.authorization);
        const enrolled = await service.enrolDevice(old);
        return json(201, enrolled, { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'GET',
      pattern: `${P}/devices/:deviceId`,
      handler: async (req) => {
        const d = await device(req);
        return json(200, { deviceId: d.id, createdAt: d.created_at, registrations: await service.registeredApps(d) });
      },
    },
    {
      method: 'POST',
      pattern: `${P}/devices/:deviceId/registrations`,
      maxBody: 1024,
      handler: async (req) => {
        const d = await device(req);
        const body = object(req.json());
        only(body, ['appId']);
        const registration = await service.register(d, string(body, 'appId', { max: 128, pattern: APP_ID_PATTERN }));
        return json(201, registration, { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'DELETE',
      pattern: `${P}/devices/:deviceId/registrations/:appId`,
      handler: async (req) => {
        const d = await device(req);
        return json(200, await service.unregister(d, appIdOf(req)));
      },
    },
    {
      method: 'POST',
      pattern: `${P}/devices/:deviceId/reset`,
      maxBody: 1024,
      handler: async (req) => {
        const d = await device(req);
        noMembers(req);
        return json(200, await service.resetDevice(d));
      },
    },
    {
      method: 'GET',
      pattern: `${P}/devices/:deviceId/poll`,
      handler: async (req) => {
        const d = await device(req);
        onlyQuery(req, ['wait']);
        const wait = waitOf(req, limits.maxWaitSeconds);
        try {
          return json(200, { messages: await service.poll(d, wait, req.signal) }, { 'cache-control': 'no-store' });
        } catch (err) {
          if (err instanceof PushError && (err.code === 'ERR_PUSH_OVERLOADED' || err.code === 'ERR_PUSH_CLOSED')) return retryLater(err, 5);
          throw err;
        }
      },
    },
    {
      method: 'POST',
      pattern: `${P}/devices/:deviceId/ack`,
      maxBody: 8 * 1024,
      handler: async (req) => {
        const d = await device(req);
        const body = object(req.json());
        only(body, ['ids']);
        const ids = body.ids;
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > limits.maxBatch) throw field('body.ids', `must be an array of 1 to ${limits.maxBatch} message ids`);
        ids.forEach((id, i) => {
          if (typeof id !== 'string' || !MESSAGE_ID_PATTERN.test(id)) throw field(`body.ids[${i}]`, 'is not a message id');
        });
        return json(200, await service.ack(d, ids as string[]));
      },
    },
    {
      method: 'POST',
      pattern: `${P}/messages`,
      maxBody: 16 * 1024,
      handler: async (req) => {
        const s = await sender(req);
        const body = object(req.json());
        only(body, ['token', 'data', 'ttl', 'collapseKey', 'priority']);
        const token = string(body, 'token', { max: 43, pattern: TOKEN_PATTERN });
        const data = object(body.data, 'body.data');
        const ttl = body.ttl === undefined ? undefined : integer(body, 'ttl', { min: 0, max: limits.maxTtlSeconds });
        const collapseKey = optionalString(body, 'collapseKey', { max: 64, pattern: /^[\x21-\x7e]+$/ });
        const priority = optionalString(body, 'priority', { max: 6, pattern: /^(normal|high)$/ }) as 'normal' | 'high' | undefined;
        const result = await service.send(s, { token, data, ...(ttl !== undefined ? { ttl } : {}), ...(collapseKey ? { collapseKey } : {}), ...(priority ? { priority } : {}) });
        return json(201, result, { location: `${P}/messages/${result.id}` });
      },
    },
    {
      // The administrator's listing (the inspector): an operator token of role admin.
      method: 'GET',
      pattern: `${P}/messages`,
      handler: async (req) => {
        requireRole(await authenticate(service.ctx.db, req.headers.authorization), 'admin');
        return json(200, await service.listMessages(listQueryOf(req)), { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'GET',
      pattern: `${P}/messages/:id`,
      handler: async (req) => {
        const s = await sender(req);
        const id = req.params.id ?? '';
        if (!MESSAGE_ID_PATTERN.test(id)) throw new HttpProblem(400, 'ERR_REQUEST_FIELD', 'path.id: is not a message id');
        return json(200, await service.status(s, id));
      },
    },
  ];
}
