import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { FileCardStore, MemoryCardStore } from '../../../src/card/index.js';
import { loadOrCreateDeviceKey, Phone, PHONE_FORMAT, PhoneError, type FactoryResetContext, type PhoneEvent, type PhoneState } from '../../../src/devices/phone/index.js';
import { APP_AID, APP_AID_2, OTHER_AID, ruleSet, signingCertificate, testPhone } from './helpers.js';

const APP = 'jp.go.jpki.mobile';
const OTHER = 'com.example.other';
const AGENT = 'jp.example.se.agent';
let appCert: Uint8Array;
let otherCert: Uint8Array;
let rules: Uint8Array;

before(async () => {
  appCert = await signingCertificate('JPKI app');
  otherCert = await signingCertificate('other');
  const { createHash } = await import('node:crypto');
  const hash = new Uint8Array(createHash('sha256').update(appCert).digest());
  rules = ruleSet([{ aid: APP_AID, hash, apdu: 'always', nfc: 'always' }]);
});

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: { code?: string }) => err.code === code);
}

async function phoneWithApps(options: Parameters<typeof testPhone>[0] = {}) {
  const t = await testPhone({ rules, ...options });
  await t.phone.installApp({ packageName: APP, signingCertificates: [appCert] });
  await t.phone.installApp({ packageName: OTHER, signingCertificates: [otherCert] });
  await t.phone.installApp({ packageName: AGENT, signingCertificates: [otherCert], privileged: true });
  return t;
}

const tx = async (c: { transmit(b: Uint8Array): Promise<Uint8Array> }, apdu: string) => toHex(await c.transmit(fromHex(apdu)));

describe('phone: apps and the OMAPI', () => {
  it('an app reaches the applet its certificate is allowed for; another app and another AID are refused; a system app bypasses', async () => {
    const { phone } = await phoneWithApps();
    const session = phone.openSeService(APP).getReaders()[0]!.openSession();
    const channel = await session.openLogicalChannel(fromHex(APP_AID));
    assert.equal(await tx(channel, '00010000'), toHex(new TextEncoder().encode('A1')) + '0101' + '9000');
    await rejects(session.openLogicalChannel(fromHex(APP_AID_2)), 'ERR_OMAPI_ACCESS_DENIED');
    const otherSession = phone.openSeService(OTHER).getReaders()[0]!.openSession();
    await rejects(otherSession.openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    const agent = await phone.openSeService(AGENT).getReaders()[0]!.openSession().openLogicalChannel(fromHex(OTHER_AID));
    assert.equal(await tx(agent, `00A4040007${APP_AID_2}`), `6F098407${APP_AID_2}9000`, 'a privileged app may SELECT by DF name');
    const system = await phone.openSystemSeService('se-agent').getReaders()[0]!.openSession().openLogicalChannel(fromHex(OTHER_AID));
    assert.ok(system.isOpen());
  });

  it('installs, updates only with the same certificates, uninstalls (closing the app\'s channels and deleting its keys)', async () => {
    const { phone } = await phoneWithApps();
    await rejects(phone.installApp({ packageName: APP, signingCertificates: [otherCert] }), 'ERR_PHONE_APP_SIGNATURE_MISMATCH');
    const updated = await phone.installApp({ packageName: APP, signingCertificates: [appCert] });
    assert.equal(updated.packageName, APP);
    await rejects(phone.installApp({ packageName: 'nodots', signingCertificates: [appCert] }), 'ERR_PHONE_APP_INVALID');
    await rejects(phone.installApp({ packageName: 'jp.bad-name', signingCertificates: [appCert] }), 'ERR_PHONE_APP_INVALID');
    await rejects(phone.installApp({ packageName: 'jp.example.x', signingCertificates: [fromHex('3003020101')] }), 'ERR_PHONE_APP_INVALID');
    await rejects(phone.installApp({ packageName: 'jp.example.x', signingCertificates: [] }), 'ERR_PHONE_APP_INVALID');
    await phone.keystore.generateKey(APP, { alias: 'k', userAuthenticationRequired: false });
    const channel = await phone.openSeService(APP).getReaders()[0]!.openSession().openLogicalChannel(fromHex(APP_AID));
    await phone.uninstallApp(APP);
    assert.equal(channel.isOpen(), false);
    assert.deepEqual(phone.keystore.aliases(APP), []);
    assert.equal(phone.app(APP), undefined);
    await rejects(() => phone.openSeService(APP), 'ERR_PHONE_APP_NOT_INSTALLED');
    await rejects(phone.uninstallApp(APP), 'ERR_PHONE_APP_NOT_INSTALLED');
  });

  it('tells its package listeners about a removed app, after the removal is saved; a failing listener does not undo it', async () => {
    const events: PhoneEvent[] = [];
    const { phone, store } = await phoneWithApps({ onEvent: (e) => events.push(e) });
    const heard: { pkg: string; savedApps: string[] }[] = [];
    const stop = phone.onPackageRemoved(async (pkg) => {
      heard.push({ pkg, savedApps: (await store.load()).apps.map((a) => a.packageName) });
    });
    phone.onPackageRemoved((pkg) => {
      if (pkg === OTHER) throw new PhoneError('ERR_PHONE_OFFLINE', 'the listener could not reach its server');
    });
    await phone.installApp({ packageName: 'jp.example.late', signingCertificates: [otherCert] });
    assert.deepEqual(heard, [], 'an installation is not a removal');
    await phone.uninstallApp(OTHER);
    assert.deepEqual(heard, [{ pkg: OTHER, savedApps: [APP, AGENT, 'jp.example.late'] }]);
    assert.equal(phone.app(OTHER), undefined, 'the removal stands although a listener failed');
    assert.deepEqual(events.filter((e) => e.type === 'package-listener'), [{ type: 'package-listener', packageName: OTHER, ok: false, error: 'ERR_PHONE_OFFLINE' }]);
    stop();
    await phone.uninstallApp('jp.example.late');
    assert.equal(heard.length, 1, 'a removed listener hears nothing more');
    // A factory reset removes every app without the package listeners: its own handlers run.
    const again: string[] = [];
    phone.onPackageRemoved((pkg) => void again.push(pkg));
    await phone.factoryReset();
    assert.deepEqual(phone.apps(), []);
    assert.deepEqual(again, []);
  });

  it('turning off closes every channel and powers the element off; the next boot reads the rules afresh', async () => {
    const { phone, contact, ara } = await phoneWithApps();
    const channel = await phone.openSeService(APP).getReaders()[0]!.openSession().openLogicalChannel(fromHex(APP_AID));
    assert.equal(ara.counts.all, 1);
    await phone.powerOff();
    assert.equal(channel.isOpen(), false);
    assert.equal(contact.powered, false);
    await rejects(() => phone.openSeService(APP), 'ERR_PHONE_POWERED_OFF');
    await phone.powerOn();
    assert.equal(phone.terminal.connected, true);
    await phone.openSeService(APP).getReaders()[0]!.openSession().openLogicalChannel(fromHex(APP_AID));
    assert.equal(ara.counts.all, 2, 'a new enforcer after the restart');
  });

  it('tells which apps may receive an AID\'s NFC transaction events', async () => {
    const { phone } = await phoneWithApps();
    assert.deepEqual(await phone.nfcEventRecipients(fromHex(APP_AID)), [APP]);
    assert.deepEqual(await phone.nfcEventRecipients(fromHex(OTHER_AID)), []);
  });
});

describe('phone: network', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers: cut by going offline
      res.end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('an app\'s fetch works online and fails with ERR_PHONE_OFFLINE offline, also for a request in flight', async () => {
    const { phone } = await phoneWithApps();
    const fetch = phone.fetchFor(APP);
    assert.equal(await (await fetch(`${url}/ping`)).text(), 'pong');
    await phone.setOnline(false);
    assert.equal(phone.toState().settings.online, false);
    await rejects(fetch(`${url}/ping`), 'ERR_PHONE_OFFLINE');
    await phone.setOnline(true);
    const slow = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 20));
    await phone.setOnline(false);
    await rejects(slow, 'ERR_PHONE_OFFLINE');
    await phone.setOnline(true);
    await phone.powerOff();
    await rejects(fetch(`${url}/ping`), 'ERR_PHONE_POWERED_OFF');
    await phone.powerOn();
    await phone.uninstallApp(APP);
    await rejects(fetch(`${url}/ping`), 'ERR_PHONE_APP_NOT_INSTALLED');
  });
});

describe('phone: factory reset', () => {
  it('runs the handlers with the SE reachable, wipes apps, keys, fingers and settings, and keeps a failed notice pending until online', async () => {
    const { phone, seen } = await phoneWithApps();
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    await phone.setNfcEnabled(false);
    const calls: Array<Pick<FactoryResetContext, 'phase' | 'online'> & { id: string }> = [];
    phone.onFactoryReset({
      name: 'se-agent',
      async run(ctx) {
        calls.push({ phase: ctx.phase, online: ctx.online, id: ctx.notice.id });
        const channel = await ctx.seService.getReaders()[0]!.openSession().openLogicalChannel(fromHex(APP_AID));
        await channel.transmit(fromHex('80010000'));
      },
    });
    let server = 0;
    phone.onFactoryReset({
      name: 'tell-the-server',
      async run(ctx) {
        calls.push({ phase: ctx.phase, online: ctx.online, id: ctx.notice.id });
        if (!ctx.online) throw Object.assign(new Error('offline'), { code: 'ERR_PHONE_OFFLINE' });
        server++;
      },
    });
    await phone.setOnline(false);
    const report = await phone.factoryReset();
    assert.deepEqual(report.completed, ['se-agent']);
    assert.deepEqual(report.pending, ['tell-the-server']);
    assert.equal(report.notice.deviceId, 'PHONE-0001');
    assert.deepEqual(seen, ['81'], 'the SE agent reached the element through a privileged channel');
    assert.deepEqual(phone.apps(), []);
    assert.deepEqual(phone.toState().keystore.keys, []);
    assert.deepEqual(phone.biometrics.enrolments, []);
    assert.equal(phone.biometrics.authenticatorId, undefined);
    assert.equal(phone.nfcEnabled, true);
    assert.equal(phone.factoryResetCount, 1);
    assert.equal(phone.powered, true, 'the phone restarted');
    assert.equal(phone.deviceId, 'PHONE-0001', 'the hardware identity stays');
    const pending = phone.pendingResetNotices;
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.handler, 'tell-the-server');
    assert.equal(pending[0]!.lastError, 'Error');
    assert.ok(pending[0]!.attempts >= 1);
    assert.equal(server, 0);
    await phone.setOnline(true);
    assert.equal(server, 1);
    assert.deepEqual(phone.pendingResetNotices, []);
    assert.deepEqual(calls.map((c) => c.phase), ['reset', 'reset', 'pending']);
    assert.equal(new Set(calls.map((c) => c.id)).size, 1, 'one notice id throughout');
  });

  it('a pending notice survives a restart and is delivered at a start while online', async () => {
    const store = new MemoryCardStore<PhoneState>();
    const { phone, phoneOptions } = await phoneWithApps({ store });
    let failing = true;
    const handler = {
      name: 'tell-the-server',
      async run(ctx: FactoryResetContext) {
        if (failing) await ctx.fetch('http://127.0.0.1:9/unreachable');
      },
    };
    phone.onFactoryReset(handler);
    await phone.setOnline(false);
    await phone.factoryReset();
    assert.equal(phone.pendingResetNotices[0]!.lastError, 'ERR_PHONE_OFFLINE');
    await phone.powerOff();
    const again = await Phone.open(phoneOptions);
    assert.equal(again.pendingResetNotices.length, 1);
    failing = false;
    again.onFactoryReset(handler);
    await again.setOnline(true);
    await again.powerOn();
    assert.deepEqual(again.pendingResetNotices, []);
  });

  it('a reset cut short after its handlers finishes the wipe at the next start', async () => {
    const store = new MemoryCardStore<PhoneState>();
    const { phone, phoneOptions } = await phoneWithApps({ store });
    await phone.powerOff();
    const state = await store.load();
    await store.save({ ...state, factoryReset: { ...state.factoryReset, wiping: true } });
    const again = await Phone.open(phoneOptions);
    assert.equal(again.apps().length, 3);
    await again.powerOn();
    assert.deepEqual(again.apps(), []);
    assert.equal((await store.load()).factoryReset.wiping, false);
  });

  it('handler names are checked', async () => {
    const { phone } = await testPhone();
    assert.throws(() => phone.onFactoryReset({ name: '', run: async () => undefined }), (e: { code?: string }) => e.code === 'ERR_PHONE_CONFIG');
    const remove = phone.onFactoryReset({ name: 'x', run: async () => undefined });
    assert.throws(() => phone.onFactoryReset({ name: 'x', run: async () => undefined }), (e: { code?: string }) => e.code === 'ERR_PHONE_CONFIG');
    remove();
    phone.onFactoryReset({ name: 'x', run: async () => undefined });
  });
});

describe('phone: state document', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phone-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists apps, settings, fingers and keys in a 0600 file, and a reloaded phone unlocks the PIN with the finger', async () => {
    const path = join(dir, 'phone.json');
    const deviceKey = await loadOrCreateDeviceKey(join(dir, 'device.key'));
    assert.equal((await stat(join(dir, 'device.key'))).mode & 0o777, 0o600);
    assert.deepEqual(await loadOrCreateDeviceKey(join(dir, 'device.key')), deviceKey, 'made once');
    const { phone, phoneOptions } = await phoneWithApps({ store: new FileCardStore<PhoneState>(path), deviceKey });
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    const op = await phone.keystore.begin(APP, 'pin', 'encrypt');
    await phone.biometrics.authenticate('right thumb', { challenge: op.challenge });
    const sealed = await op.finish(new TextEncoder().encode('1234'));
    await phone.setNfcEnabled(false);
    await phone.powerOff();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, 'utf8');
    const doc = JSON.parse(text) as PhoneState;
    assert.equal(doc.format, PHONE_FORMAT);
    assert.equal(doc.keystore.keys[0]!.material.length > 40, true);
    assert.ok(!text.includes(Buffer.from(deviceKey).toString('base64')) && !text.includes(toHex(deviceKey)), 'the device key is not in the document');

    const again = await Phone.open(phoneOptions);
    await again.powerOn();
    assert.deepEqual(again.apps().map((a) => a.packageName).sort(), [AGENT, OTHER, APP].sort());
    assert.equal(again.nfcEnabled, false);
    assert.equal(again.nfc.present, false);
    assert.deepEqual(again.biometrics.enrolments.map((e) => e.finger), ['right thumb']);
    const decrypt = await again.keystore.begin(APP, 'pin', 'decrypt');
    await again.biometrics.authenticate('right thumb', { challenge: decrypt.challenge });
    assert.equal(new TextDecoder().decode(await decrypt.finish(sealed)), '1234');
    await again.powerOff();

    await rejects(Phone.open({ ...phoneOptions, deviceKey: new Uint8Array(32) }), 'ERR_PHONE_DEVICE_KEY');
    await rejects(Phone.open({ ...phoneOptions, deviceKey: new Uint8Array(16) }), 'ERR_PHONE_DEVICE_KEY');
    const altered = JSON.parse(text) as { keystore: { keys: Array<{ material: string }> } };
    const m = Buffer.from(altered.keystore.keys[0]!.material, 'base64');
    m[20]! ^= 1;
    altered.keystore.keys[0]!.material = m.toString('base64');
    await writeFile(path, JSON.stringify(altered));
    const tampered = await Phone.open(phoneOptions);
    await tampered.powerOn();
    const op2 = await tampered.keystore.begin(APP, 'pin', 'decrypt');
    await tampered.biometrics.authenticate('right thumb', { challenge: op2.challenge });
    await rejects(op2.finish(sealed), 'ERR_KEYSTORE_KEY_CORRUPT');
    await tampered.powerOff();
  });

  it('refuses a document that is not a phone state, and never overwrites an existing phone file', async () => {
    const path = join(dir, 'bad.json');
    const options = (await testPhone()).phoneOptions;
    for (const doc of [{}, { format: PHONE_FORMAT }, { ...(await testPhone()).phone.toState(), apps: [{ packageName: 1 }] }]) {
      await writeFile(path, JSON.stringify(doc));
      await rejects(Phone.open({ ...options, store: new FileCardStore<PhoneState>(path) }), 'ERR_PHONE_STATE_INVALID');
    }
    await rejects(Phone.create({ ...options, store: new FileCardStore<PhoneState>(path) }, { model: 'x' }), 'ERR_CARD_STATE_EXISTS');
    await rejects(Phone.create(options, { model: '' }), 'ERR_PHONE_CONFIG');
  });
});
