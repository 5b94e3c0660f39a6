import { after, before, it } from 'node:test';
import type { PushDeviceClient } from '../../../src/services/push/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { expectProblems, jsonCases, type BadCase } from './support/bad-cases.js';
import { startPush, type PushHarness } from './support/harness.js';

/**
 * Every push endpoint refuses bad input with its own 4xx and problem code, as
 * application/problem+json, and writes nothing: credentials, JSON, types, members, sizes, ranges,
 * identifiers, unknown and dead tokens, other senders' messages, paths and methods.
 */

const APP = 'jp.go.jpki.mobile';
const UNKNOWN_TOKEN = 'A'.repeat(43);
const UNKNOWN_DEVICE = 'dev_' + 'B'.repeat(22);
const UNKNOWN_MESSAGE = 'msg_' + 'C'.repeat(22);

forEachDialect('push: bad inputs', (ctx) => {
  let h: PushHarness;
  let phone: PushDeviceClient;
  let other: PushDeviceClient;
  let wiped: PushDeviceClient;
  let token: string;
  let deadToken: string;
  let messageId: string;
  let disabledSender: string;
  let secret: string;
  let dev: string;

  before(async () => {
    h = await startPush({ database: await ctx.freshConfig() });
    phone = await h.device();
    other = await h.device();
    wiped = await h.device();
    token = (await phone.register(APP)).token;
    deadToken = (await other.register(APP)).token;
    await other.unregister(APP);
    await other.register('jp.example.bank');
    await wiped.register(APP);
    await wiped.reset();
    messageId = (await h.sender.send({ token, data: { n: 1 } })).id;
    disabledSender = await h.service.createSender('retired-tsm');
    await h.db.execute('UPDATE push_senders SET disabled_at = $2 WHERE id = $1', ['retired-tsm', h.clock.now().toISOString()]);
    secret = phone.credential.deviceSecret;
    dev = `/push/v1/devices/${phone.deviceId}`;
  });
  after(async () => {
    await h?.stop();
  });

  /** Sender credentials, for each sender endpoint. */
  const senderCases = (path: string, method: string, body?: unknown): BadCase[] => {
    const base = { path, method, ...(body !== undefined ? { json: body } : {}) };
    const code = 'ERR_PUSH_SENDER_UNAUTHENTICATED';
    return [
      { ...base, name: 'no Authorization', bearer: null, status: 401, code },
      { ...base, name: 'Basic instead of Bearer', authorization: 'Basic c3AtdHNtOnNwLXRzbQ==', status: 401, code },
      { ...base, name: 'a bearer token too short', authorization: 'Bearer abc', status: 401, code },
      { ...base, name: 'a bearer token with spaces', authorization: `Bearer ${h.senders.a.slice(0, 20)} ${h.senders.a.slice(20)}`, status: 401, code },
      { ...base, name: 'bearer in lower case and twice', authorization: `bearer ${h.senders.a}, Bearer ${h.senders.a}`, status: 401, code },
      { ...base, name: 'an unknown sender token', bearer: 'push_' + 'D'.repeat(43), status: 401, code },
      { ...base, name: 'a disabled sender', bearer: disabledSender, status: 401, code },
      { ...base, name: 'a device secret', bearer: secret, status: 401, code },
      { ...base, name: 'a registration token', bearer: token, status: 401, code },
    ];
  };

  /** Device credentials, for each device endpoint. */
  const deviceCases = (rest: string, method: string, body?: unknown): BadCase[] => {
    const base = { method, ...(body !== undefined ? { json: body } : {}) };
    const path = `${dev}${rest}`;
    const code = 'ERR_PUSH_DEVICE_UNAUTHENTICATED';
    return [
      { ...base, path, name: 'no Authorization', bearer: null, status: 401, code },
      { ...base, path, name: "another device's secret", bearer: other.credential.deviceSecret, status: 401, code },
      { ...base, path, name: 'a secret one character off', bearer: (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1), status: 401, code },
      { ...base, path, name: 'a sender token', bearer: h.senders.a, status: 401, code },
      { ...base, path, name: 'Basic instead of Bearer', authorization: `Basic ${Buffer.from(`${phone.deviceId}:${secret}`).toString('base64')}`, status: 401, code },
      { ...base, path: `/push/v1/devices/${UNKNOWN_DEVICE}${rest}`, name: 'an unknown device', status: 401, code },
      { ...base, path: `/push/v1/devices/dev_short${rest}`, name: 'a malformed device id', status: 401, code },
      { ...base, path: `/push/v1/devices/${other.deviceId}${rest}`, name: "another device's path with this secret", status: 401, code },
      { ...base, path: `/push/v1/devices/${wiped.deviceId}${rest}`, name: 'a reset device with its own secret', bearer: wiped.credential.deviceSecret, status: 410, code: 'ERR_PUSH_DEVICE_RESET' },
    ];
  };

  it('POST /push/v1/messages', async () => {
    const path = '/push/v1/messages';
    const valid = { token, data: { order: 'delete' }, ttl: 60 };
    const field = (name: string, json: unknown): BadCase => ({ name, path, json, status: 400, code: 'ERR_REQUEST_FIELD' });
    const deep = JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) as Record<string, unknown>;
    const cases: BadCase[] = [
      ...senderCases(path, 'POST', valid),
      ...jsonCases(path, valid, 16 * 1024),
      field('a token of 42 characters', { ...valid, token: token.slice(1) }),
      field('a token of 44 characters', { ...valid, token: token + 'A' }),
      field('a token with base64 padding characters', { ...valid, token: token.slice(0, 41) + '+/' }),
      field('a token with a space', { ...valid, token: token.slice(0, 42) + ' ' }),
      { name: 'an unknown token', path, json: { ...valid, token: UNKNOWN_TOKEN }, status: 404, code: 'ERR_PUSH_UNKNOWN_TOKEN' },
      { name: 'a dead token (app removed)', path, json: { ...valid, token: deadToken }, status: 410, code: 'ERR_PUSH_UNREGISTERED' },
      field('data missing', { token, ttl: 60 }),
      field('data an array', { ...valid, data: [1, 2] }),
      field('data a string', { ...valid, data: 'wipe' }),
      field('data null', { ...valid, data: null }),
      field('data a number', { ...valid, data: 7 }),
      { name: 'data of 4097 bytes', path, json: { ...valid, data: { s: 'x'.repeat(4097 - 8) } }, status: 413, code: 'ERR_PUSH_DATA_TOO_LARGE' },
      { name: 'data nested 40 deep', path, json: { ...valid, data: deep }, status: 400, code: 'ERR_PUSH_REQUEST' },
      field('ttl -1', { ...valid, ttl: -1 }),
      field('ttl 28 days and a second', { ...valid, ttl: 2419201 }),
      field('ttl 1.5', { ...valid, ttl: 1.5 }),
      field('ttl as a string', { ...valid, ttl: '60' }),
      field('ttl null', { ...valid, ttl: null }),
      field('ttl 1e300', { ...valid, ttl: 1e300 }),
      field('collapseKey empty', { ...valid, collapseKey: '' }),
      field('collapseKey of 65 characters', { ...valid, collapseKey: 'k'.repeat(65) }),
      field('collapseKey with a space', { ...valid, collapseKey: 'cert status' }),
      field('collapseKey not ASCII', { ...valid, collapseKey: '証明書' }),
      field('collapseKey a number', { ...valid, collapseKey: 5 }),
      field('priority urgent', { ...valid, priority: 'urgent' }),
      field('priority a number', { ...valid, priority: 10 }),
      field('priority HIGH', { ...valid, priority: 'HIGH' }),
      { name: 'PUT', method: 'PUT', path, json: valid, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases, h.senders.a);
  });

  it('GET /push/v1/messages/:id', async () => {
    const path = `/push/v1/messages/${messageId}`;
    const cases: BadCase[] = [
      ...senderCases(path, 'GET'),
      { name: 'a malformed id', path: '/push/v1/messages/msg_123', status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an id with a slash encoded', path: `/push/v1/messages/${messageId.slice(0, 10)}%2F${messageId.slice(13)}`, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'bad percent-encoding', path: '/push/v1/messages/%ZZ', status: 400, code: 'ERR_HTTP_PATH' },
      { name: 'an unknown message', path: `/push/v1/messages/${UNKNOWN_MESSAGE}`, status: 404, code: 'ERR_PUSH_UNKNOWN_MESSAGE' },
      { name: "another sender's message", path, bearer: h.senders.b, status: 404, code: 'ERR_PUSH_UNKNOWN_MESSAGE' },
      { name: 'DELETE', method: 'DELETE', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases, h.senders.a);
  });

  it('POST /push/v1/devices (enrolment and re-enrolment)', async () => {
    const path = '/push/v1/devices';
    const field = (name: string, json: unknown): BadCase => ({ name, path, json, status: 400, code: 'ERR_REQUEST_FIELD' });
    const cases: BadCase[] = [
      { name: 'malformed JSON', path, raw: '{"replaces": ', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
      { name: 'JSON as text/plain', path, raw: '{}', contentType: 'text/plain', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
      field('an array', []),
      field('null', null),
      field('an unknown member', { hardwareId: 'IMEI-1' }),
      field('replaces a number', { replaces: 42 }),
      field('replaces malformed', { replaces: 'dev_nope' }),
      field('replaces empty', { replaces: '' }),
      { name: 'replaces without the old secret', path, json: { replaces: phone.deviceId }, bearer: null, status: 401, code: 'ERR_PUSH_DEVICE_UNAUTHENTICATED' },
      { name: "replaces with another device's secret", path, json: { replaces: phone.deviceId }, bearer: other.credential.deviceSecret, status: 401, code: 'ERR_PUSH_DEVICE_UNAUTHENTICATED' },
      { name: 'replaces an unknown device', path, json: { replaces: UNKNOWN_DEVICE }, bearer: secret, status: 401, code: 'ERR_PUSH_DEVICE_UNAUTHENTICATED' },
      { name: 'replaces a reset device', path, json: { replaces: wiped.deviceId }, bearer: wiped.credential.deviceSecret, status: 410, code: 'ERR_PUSH_DEVICE_RESET' },
      { name: 'a body over 1 KiB', path, raw: JSON.stringify({ padding: 'x'.repeat(1100) }), contentType: 'application/json', status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
      { name: 'GET the collection', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases);
  });

  it('GET /push/v1/devices/:deviceId', async () => {
    await expectProblems(h.url, h.db, deviceCases('', 'GET'), secret);
  });

  it('POST /push/v1/devices/:deviceId/registrations', async () => {
    const path = `${dev}/registrations`;
    const field = (name: string, appId: unknown): BadCase => ({ name, path, json: { appId }, status: 400, code: 'ERR_REQUEST_FIELD' });
    const cases: BadCase[] = [
      ...deviceCases('/registrations', 'POST', { appId: APP }),
      ...jsonCases(path, { appId: APP }, 1024),
      field('appId empty', ''),
      field('appId of 129 characters', 'a'.repeat(129)),
      field('appId with a space', 'jp.go jpki'),
      field('appId starting with a dot', '.jp.go.jpki'),
      field('appId with a slash', 'jp/go'),
      field('appId not ASCII', 'jp.go.公的個人認証'),
      field('appId an array', [APP]),
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });

  it('DELETE /push/v1/devices/:deviceId/registrations/:appId', async () => {
    const path = (app: string) => `${dev}/registrations/${app}`;
    const cases: BadCase[] = [
      ...deviceCases(`/registrations/${APP}`, 'DELETE'),
      { name: 'an app that is not registered', method: 'DELETE', path: path('jp.example.bank'), status: 404, code: 'ERR_PUSH_NOT_REGISTERED' },
      { name: "an app registered on another device only", method: 'DELETE', path: path('jp.example.bank'), status: 404, code: 'ERR_PUSH_NOT_REGISTERED' },
      { name: 'an appId with a space', method: 'DELETE', path: path('jp.go%20jpki'), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an appId of 129 characters', method: 'DELETE', path: path('a'.repeat(129)), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'bad percent-encoding', method: 'DELETE', path: path('%E3%81'), status: 400, code: 'ERR_HTTP_PATH' },
      { name: 'GET', path: path(APP), status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });

  it('POST /push/v1/devices/:deviceId/reset', async () => {
    const path = `${dev}/reset`;
    const cases: BadCase[] = [
      ...deviceCases('/reset', 'POST'),
      { name: 'a member in the body', path, json: { reason: 'factory' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'malformed JSON', path, raw: '{', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
      { name: 'a body as text/plain', path, raw: '{}', contentType: 'text/plain', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
      { name: 'GET', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });

  it('GET /push/v1/devices/:deviceId/poll', async () => {
    const path = (q: string) => `${dev}/poll${q}`;
    const field = (name: string, q: string): BadCase => ({ name, path: path(q), status: 400, code: 'ERR_REQUEST_FIELD' });
    const cases: BadCase[] = [
      ...deviceCases('/poll?wait=0', 'GET'),
      field('wait -1', '?wait=-1'),
      field('wait 26 (over the maximum)', '?wait=26'),
      field('wait 1.5', '?wait=1.5'),
      field('wait abc', '?wait=abc'),
      field('wait empty', '?wait='),
      field('wait of 4 digits', '?wait=0001'),
      field('wait given twice', '?wait=1&wait=2'),
      field('an unknown parameter', '?wait=1&since=0'),
      { name: 'POST', path: path('?wait=0'), method: 'POST', json: {}, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });

  it('POST /push/v1/devices/:deviceId/ack', async () => {
    const path = `${dev}/ack`;
    const field = (name: string, ids: unknown): BadCase => ({ name, path, json: { ids }, status: 400, code: 'ERR_REQUEST_FIELD' });
    const cases: BadCase[] = [
      ...deviceCases('/ack', 'POST', { ids: [messageId] }),
      ...jsonCases(path, { ids: [messageId] }, 8 * 1024),
      field('ids empty', []),
      field('ids a string', messageId),
      field('101 ids', Array.from({ length: 101 }, () => messageId)),
      field('an id malformed', [messageId, 'msg_1']),
      field('an id a number', [7]),
      field('an id null', [null]),
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });

  it('paths outside the API', async () => {
    const cases: BadCase[] = [
      { name: 'an unknown resource', path: '/push/v1/topics', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'another version', path: '/push/v2/messages', json: {}, status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a device sub-resource that does not exist', path: `${dev}/messages`, status: 404, code: 'ERR_HTTP_NOT_FOUND' },
    ];
    await expectProblems(h.url, h.db, cases, secret);
  });
});
