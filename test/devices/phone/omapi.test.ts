import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SW, throwSw } from '../../../src/apdu/index.js';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import {
  AccessControlEnforcer,
  AraRuleEngine,
  checkInterindustry,
  credentialsOf,
  SEService,
  Terminal,
  validateCommand,
  type CallerCredentials,
  type RuleEngine,
} from '../../../src/devices/phone/index.js';
import { encodeAllRulesResponse } from '../../../src/devices/secure-element/ara-m/index.js';
import { APP_AID, APP_AID_2, contactElement, echoApplet, OTHER_AID, ruleSet, signingCertificate, TestAraM, type TestRule } from './helpers.js';

let appCert: Uint8Array;
let otherCert: Uint8Array;
let app: CallerCredentials;
let other: CallerCredentials;
let system: CallerCredentials;

before(async () => {
  appCert = await signingCertificate('JPKI app');
  otherCert = await signingCertificate('Some other app');
  app = credentialsOf({ packageName: 'jp.go.jpki.mobile', signingCertificates: [appCert] }, false);
  other = credentialsOf({ packageName: 'com.example.other', signingCertificates: [otherCert] }, false);
  system = credentialsOf({ packageName: 'android.se.agent', signingCertificates: [] }, true);
});

/** The app certificate's SHA-256 may reach both app AIDs; nothing else is allowed. */
function appRules(): TestRule[] {
  return [
    { aid: APP_AID, hash: app.hashes[1]!, apdu: 'always', nfc: 'always' },
    { aid: APP_AID_2, hash: app.hashes[0]!, apdu: 'always' },
  ];
}

async function setup(options: { rules?: TestRule[]; ff40?: Uint8Array; channels?: number; ara?: boolean; engine?: RuleEngine } = {}) {
  const seen: string[] = [];
  const ara = new TestAraM(options.ff40 ?? ruleSet(options.rules ?? appRules()));
  const applets = [echoApplet('A1', APP_AID, seen), echoApplet('A2', APP_AID_2, seen), echoApplet('B', OTHER_AID, seen)];
  const element = contactElement(options.ara === false ? applets : [...applets, ara], { channels: options.channels ?? 20 });
  const terminal = new Terminal({ name: 'eSE1', port: element });
  // The real rule model (unless a test needs one that misbehaves), counting its loads.
  const inner = options.engine ?? new AraRuleEngine();
  const engine = {
    loads: 0,
    load(ff40: Uint8Array | undefined) {
      engine.loads++;
      inner.load(ff40);
    },
    decide: (aid: Uint8Array | undefined, hashes: readonly Uint8Array[]) => inner.decide(aid, hashes),
  };
  const enforcer = new AccessControlEnforcer({ element: terminal, engine });
  terminal.setAccessControl(enforcer);
  assert.equal(await terminal.connect(), true);
  const sessionFor = (caller: CallerCredentials) => new SEService([terminal], caller).getReaders()[0]!.openSession();
  return { seen, ara, element, terminal, engine, enforcer, sessionFor };
}

const tx = async (channel: { transmit(b: Uint8Array): Promise<Uint8Array> }, apdu: string) => toHex(await channel.transmit(fromHex(apdu)));
const ascii = (s: string) => toHex(new TextEncoder().encode(s));

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: { code?: string }) => err.code === code);
}

describe('OMAPI: SEService, Reader, Session', () => {
  it('lists eSE1, opens sessions, gives the ATR, and refuses everything after shutdown', async () => {
    const { terminal, element } = await setup();
    const service = new SEService([terminal], system);
    assert.equal(service.getVersion(), '3.3');
    const reader = service.getReaders()[0]!;
    assert.equal(reader.getName(), 'eSE1');
    assert.equal(reader.isSecureElementPresent(), true);
    const session = reader.openSession();
    assert.deepEqual(session.getATR(), element.atr);
    const channel = await session.openLogicalChannel(fromHex(APP_AID));
    await service.shutdown();
    assert.equal(service.isConnected(), false);
    assert.equal(session.isClosed(), true);
    assert.equal(channel.isOpen(), false);
    assert.deepEqual(element.openChannels, [0], 'the element closed the logical channel');
    await rejects(() => service.getReaders(), 'ERR_OMAPI_CLOSED');
    await rejects(() => reader.openSession(), 'ERR_OMAPI_CLOSED');
    await rejects(() => session.openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_CLOSED');
    await rejects(channel.transmit(fromHex('00010000')), 'ERR_OMAPI_CLOSED');
  });

  it('an element that goes away closes every channel, and sessions cannot open while it is gone', async () => {
    const { terminal, sessionFor } = await setup();
    const session = sessionFor(system);
    const channel = await session.openLogicalChannel(fromHex(APP_AID));
    await terminal.disconnect();
    assert.equal(channel.isOpen(), false);
    await rejects(channel.transmit(fromHex('00010000')), 'ERR_OMAPI_CLOSED');
    await rejects(session.openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_SE_NOT_PRESENT');
    assert.equal(session.getReader().isSecureElementPresent(), false);
    await rejects(() => session.getReader().openSession(), 'ERR_OMAPI_SE_NOT_PRESENT');
  });
});

describe('OMAPI: channels', () => {
  it('opens the basic channel with an AID, transmits on channel 0, and holds it for one user', async () => {
    const { sessionFor, seen } = await setup();
    const session = sessionFor(app);
    const basic = await session.openBasicChannel(fromHex(APP_AID));
    assert.equal(basic.isBasicChannel(), true);
    assert.equal(toHex(basic.getSelectResponse()!), `6F0984 07${APP_AID}9000`.replace(' ', ''));
    assert.equal(await tx(basic, '00010000'), ascii('A1') + '0000' + '9000');
    await rejects(session.openBasicChannel(fromHex(APP_AID)), 'ERR_OMAPI_CHANNEL_UNAVAILABLE');
    await basic.close();
    // The element has no default application: the basic channel cannot be had without an AID any more.
    await rejects(session.openBasicChannel(), 'ERR_OMAPI_ACCESS_DENIED');
    await rejects(sessionFor(system).openBasicChannel(), 'ERR_OMAPI_CHANNEL_UNAVAILABLE');
    assert.deepEqual(seen, ['00']);
  });

  it('opens logical channels with MANAGE CHANNEL + SELECT and writes the channel bits, 4..19 in the further coding', async () => {
    const { sessionFor, element } = await setup();
    const session = sessionFor(system);
    const channels = [];
    for (let i = 0; i < 5; i++) channels.push(await session.openLogicalChannel(fromHex(APP_AID), 0x0c));
    assert.deepEqual(channels.map((c) => c.channelNumber), [1, 2, 3, 4, 5]);
    assert.equal(channels[0]!.isBasicChannel(), false);
    assert.equal(toHex(channels[0]!.getSelectResponse()!), '9000', 'P2 0C asks for no FCI');
    assert.equal(await tx(channels[0]!, '00010000'), ascii('A1') + '0101' + '9000');
    assert.equal(await tx(channels[2]!, '00010000'), ascii('A1') + '0303' + '9000');
    assert.equal(await tx(channels[3]!, '00010000'), ascii('A1') + '0440' + '9000', 'channel 4: 40');
    assert.equal(await tx(channels[4]!, '80010000'), ascii('A1') + '05C1' + '9000', 'channel 5, proprietary: C1');
    assert.equal(await tx(channels[4]!, '03010000'), ascii('A1') + '0541' + '9000', 'the app\'s own channel bits are overwritten');
    await channels[1]!.close();
    assert.deepEqual(element.openChannels, [0, 1, 3, 4, 5]);
    await session.closeChannels();
    assert.deepEqual(element.openChannels, [0]);
    assert.equal(channels[0]!.isOpen(), false);
  });

  it('a channel without an AID gets the default application and cannot selectNext', async () => {
    const { sessionFor } = await setup();
    const channel = await sessionFor(system).openLogicalChannel(null);
    assert.equal(channel.getSelectResponse(), undefined);
    assert.equal(await tx(channel, '00010000'), '6D00', 'nothing selected on the new channel');
    await rejects(channel.selectNext(), 'ERR_OMAPI_UNSUPPORTED');
  });

  it('selects by partial AID and steps with selectNext', async () => {
    const { sessionFor } = await setup();
    const channel = await sessionFor(system).openLogicalChannel(fromHex('A000000001AA'));
    assert.equal(await tx(channel, '00010000'), ascii('A1') + '0101' + '9000');
    assert.equal(await channel.selectNext(), true);
    assert.equal(toHex(channel.getSelectResponse()!), `6F098407${APP_AID_2}9000`);
    assert.equal(await tx(channel, '00010000'), ascii('A2') + '0101' + '9000');
    assert.equal(await channel.selectNext(), false);
    assert.equal(await tx(channel, '00010000'), ascii('A2') + '0101' + '9000', 'the last applet stays selected');
  });

  it('an AID that is not there is NoSuchElement and leaves no channel open', async () => {
    const { sessionFor, element } = await setup();
    const session = sessionFor(system);
    await rejects(session.openLogicalChannel(fromHex('A0000000099999')), 'ERR_OMAPI_NO_SUCH_ELEMENT');
    await rejects(session.openBasicChannel(fromHex('A0000000099999')), 'ERR_OMAPI_NO_SUCH_ELEMENT');
    assert.deepEqual(element.openChannels, [0]);
    const ok = await session.openBasicChannel(fromHex(APP_AID));
    assert.equal(ok.isOpen(), true, 'the failed basic channel was not kept');
  });

  it('refuses AIDs outside 5..16 bytes and P2 other than 00/04/08/0C', async () => {
    const { sessionFor } = await setup();
    const session = sessionFor(system);
    await rejects(session.openLogicalChannel(fromHex('A0000001')), 'ERR_OMAPI_AID_INVALID');
    await rejects(session.openLogicalChannel(new Uint8Array(17)), 'ERR_OMAPI_AID_INVALID');
    await rejects(session.openLogicalChannel(fromHex(APP_AID), 0x02), 'ERR_OMAPI_P2_UNSUPPORTED');
    await rejects(session.openBasicChannel(fromHex(APP_AID), 0x10), 'ERR_OMAPI_P2_UNSUPPORTED');
  });

  it('runs out of logical channels with MissingResource, counting the one the enforcer borrows', async () => {
    const { sessionFor } = await setup({ channels: 4 });
    const priv = sessionFor(system);
    const held = [await priv.openLogicalChannel(fromHex(APP_AID)), await priv.openLogicalChannel(fromHex(APP_AID))];
    const mine = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
    assert.equal(mine.channelNumber, 3, 'the enforcer used channel 3 for the ARA-M and gave it back');
    await rejects(priv.openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_CHANNEL_UNAVAILABLE');
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_CHANNEL_UNAVAILABLE');
    await held[0]!.close();
    assert.equal((await priv.openLogicalChannel(fromHex(APP_AID))).channelNumber, 1);
  });

  it('serves concurrent openings and commands from several apps without mixing them up', async () => {
    const { sessionFor, ara, element } = await setup();
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const channel = await sessionFor(i % 2 ? app : system).openLogicalChannel(fromHex(i % 3 ? APP_AID : APP_AID_2));
        const answers = await Promise.all([tx(channel, '00010000'), tx(channel, '00030000').then((r) => r.length)]);
        return { n: channel.channelNumber, name: i % 3 ? 'A1' : 'A2', answers };
      }),
    );
    assert.equal(new Set(results.map((r) => r.n)).size, 8, 'eight distinct channels');
    for (const r of results) {
      assert.equal(r.answers[0], ascii(r.name) + r.n.toString(16).padStart(2, '0').toUpperCase() + (r.n < 4 ? r.n.toString(16).padStart(2, '0') : (0x40 + r.n - 4).toString(16).toUpperCase()) + '9000');
      assert.equal(r.answers[1], 2 * 302);
    }
    assert.equal(ara.counts.all, 1, 'the rules were read once');
    assert.equal(element.openChannels.length, 9);
  });

  it('fetches the rest after 61xx and re-sends with the exact Le after 6Cxx', async () => {
    const { sessionFor } = await setup();
    const channel = await sessionFor(system).openLogicalChannel(fromHex(APP_AID));
    const long = await channel.transmit(fromHex('00030000'));
    assert.equal(long.length, 302);
    assert.deepEqual([...long.subarray(0, 300)], Array.from({ length: 300 }, (_, i) => i & 0xff));
    assert.equal(toHex(long.subarray(300)), '9000');
    assert.equal(await tx(channel, '0004000000'), '01020304059000');
  });
});

describe('OMAPI: Channel.transmit checks (the element sees none of the refused commands)', () => {
  const cases: Array<[string, string, string]> = [
    ['short header', '000100', 'ERR_OMAPI_APDU_MALFORMED'],
    ['CLA FF', 'FF010000', 'ERR_OMAPI_CLA_INVALID'],
    ['RFU CLA 20', '20010000', 'ERR_OMAPI_CLA_INVALID'],
    ['INS 6x', '00610000', 'ERR_OMAPI_INS_INVALID'],
    ['INS 9x', '80900000', 'ERR_OMAPI_INS_INVALID'],
    ['Lc beyond the body', '0001000005AA', 'ERR_OMAPI_APDU_MALFORMED'],
    ['bytes after Le', '0001000001AA0000', 'ERR_OMAPI_APDU_MALFORMED'],
    ['extended Le cut short', '000100000001AA00', 'ERR_OMAPI_APDU_MALFORMED'],
    ['MANAGE CHANNEL open', '0070000001', 'ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN'],
    ['MANAGE CHANNEL close', '00708001', 'ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN'],
    ['SELECT by DF name', `00A4040007${OTHER_AID}`, 'ERR_OMAPI_SELECT_FORBIDDEN'],
  ];
  for (const [what, apdu, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const { sessionFor, seen } = await setup();
      const channel = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
      await assert.rejects(channel.transmit(fromHex(apdu)), (err: { code?: string; kind?: string }) => {
        assert.equal(err.code, code);
        assert.equal(err.kind, code.includes('FORBIDDEN') ? 'Security' : 'IllegalArgument');
        return true;
      });
      assert.deepEqual(seen, []);
    });
  }

  it('validateCommand and checkInterindustry, one command at a time (gp-scp03.md 4.4 step 5)', () => {
    const table: Array<[string, boolean, string | undefined]> = [
      ['FF30000000', false, 'ERR_OMAPI_CLA_INVALID'],
      ['00600000', false, 'ERR_OMAPI_INS_INVALID'],
      ['80920000', false, 'ERR_OMAPI_INS_INVALID'],
      ['0070000001', false, 'ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN'],
      ['0070000001', true, 'ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN'], // not even a privileged app
      ['00A4040005A000000001', false, 'ERR_OMAPI_SELECT_FORBIDDEN'],
      ['00A4040005A000000001', true, undefined],
      ['80A4040005A000000001', false, undefined], // proprietary class: not SELECT
      ['8070000001', false, undefined], // proprietary class: not MANAGE CHANNEL
      ['00A4020C023F00', false, undefined], // SELECT by file identifier
      ['00B0', false, 'ERR_OMAPI_APDU_MALFORMED'],
      ['00B0000003AAAA', false, 'ERR_OMAPI_APDU_MALFORMED'],
      ['80CAFF4000', false, undefined],
    ];
    for (const [hex, privileged, code] of table) {
      let got: string | undefined;
      try {
        checkInterindustry(validateCommand(fromHex(hex)), privileged);
      } catch (err) {
        got = (err as { code?: string }).code ?? String(err);
      }
      assert.equal(got, code, hex);
    }
  });

  it('a privileged app may SELECT by DF name, and a proprietary A4 04 is not a SELECT', async () => {
    const { sessionFor, seen } = await setup();
    const priv = await sessionFor(system).openLogicalChannel(fromHex(APP_AID));
    assert.equal(await tx(priv, `00A4040007${OTHER_AID}`), `6F098407${OTHER_AID}9000`);
    assert.equal(await tx(priv, '00010000'), ascii('B') + '0101' + '9000');
    const mine = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
    assert.equal(await tx(mine, '80A4040000'), '6D00', 'the applet, not the OMAPI, judges a proprietary class');
    assert.deepEqual(seen, ['01', '82']);
  });
});

describe('OMAPI: access control', () => {
  it('the app signed with the allowed certificate opens a channel; another certificate is refused', async () => {
    const { sessionFor, element } = await setup();
    const allowed = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
    assert.equal(await tx(allowed, '00010000'), ascii('A1') + '0101' + '9000');
    assert.ok((await sessionFor(app).openLogicalChannel(fromHex(APP_AID_2))).isOpen(), 'a SHA-1 rule matches too');
    await rejects(sessionFor(other).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    await rejects(sessionFor(other).openBasicChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    await rejects(sessionFor(app).openLogicalChannel(fromHex(OTHER_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    const noCert = credentialsOf({ packageName: 'com.example.unsigned', signingCertificates: [] }, false);
    await rejects(sessionFor(noCert).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    assert.deepEqual(element.openChannels, [0, 1, 2], 'refusals open nothing on the element');
  });

  it('a privileged app bypasses the rules', async () => {
    const { sessionFor, ara } = await setup({ rules: [] });
    const before = ara.counts.refresh;
    const channel = await sessionFor(system).openLogicalChannel(fromHex(OTHER_AID));
    assert.equal(await tx(channel, '00010000'), ascii('B') + '0101' + '9000');
    assert.equal(ara.counts.refresh, before, 'no rule was looked at');
  });

  it('APDU filters let only matching headers through', async () => {
    const filters = [{ header: fromHex('00010000'), mask: fromHex('FFFF0000') }];
    const { sessionFor, seen } = await setup({ rules: [{ aid: APP_AID, hash: app.hashes[1]!, apdu: filters }] });
    const channel = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
    assert.equal(await tx(channel, '00011234'), ascii('A1') + '0101' + '9000');
    await rejects(channel.transmit(fromHex('00030000')), 'ERR_OMAPI_APDU_DENIED');
    assert.deepEqual(seen, ['01']);
  });

  it('reads the rules once while the refresh tag stays, and again when it changes', async () => {
    const { sessionFor, ara, engine, enforcer } = await setup();
    const session = sessionFor(app);
    for (let i = 0; i < 3; i++) await (await session.openLogicalChannel(fromHex(APP_AID))).close();
    assert.deepEqual(ara.counts, { refresh: 3, all: 1, next: 0 });
    assert.equal(engine.loads, 1);
    assert.equal(enforcer.refreshTag, '0000000000000001');
    await rejects(sessionFor(other).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    ara.setRules(ruleSet([...appRules(), { aid: APP_AID, hash: other.hashes[1]!, apdu: 'always' }]));
    assert.ok((await sessionFor(other).openLogicalChannel(fromHex(APP_AID))).isOpen());
    assert.deepEqual(ara.counts, { refresh: 5, all: 2, next: 0 });
    assert.equal(enforcer.refreshTag, '0000000000000002');
  });

  it('reads long rules with GET DATA [Next]', async () => {
    const many: TestRule[] = Array.from({ length: 20 }, (_, i) => ({ aid: `A00000000100${(i + 0x10).toString(16)}01`, hash: other.hashes[1]!, apdu: 'always' as const }));
    const { sessionFor, ara } = await setup({ rules: [...many, ...appRules()] });
    ara.chunk = 100;
    assert.ok((await sessionFor(app).openLogicalChannel(fromHex(APP_AID))).isOpen());
    assert.equal(ara.counts.all, 1);
    assert.ok(ara.counts.next >= 10, `${ara.counts.next} GET DATA [Next]`);
  });

  it('no rules (6A88): every non-privileged channel is refused', async () => {
    const { sessionFor, ara } = await setup();
    ara.setRules(undefined);
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    assert.ok((await sessionFor(system).openLogicalChannel(fromHex(APP_AID))).isOpen());
  });

  it('no ARA-M on the element: every non-privileged channel is refused', async () => {
    const { sessionFor, enforcer } = await setup({ ara: false });
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_RULES_UNAVAILABLE');
    await rejects(sessionFor(app).openBasicChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_RULES_UNAVAILABLE');
    assert.equal(enforcer.state, 'no-ara');
    assert.ok((await sessionFor(system).openLogicalChannel(fromHex(APP_AID))).isOpen(), 'privileged apps still work');
  });

  it('an ARA-M missing (6A82 on its SELECT) is looked for again at the next opening', async () => {
    const { sessionFor, ara, enforcer } = await setup();
    const select = ara.select.bind(ara);
    ara.select = () => throwSw(SW.FILE_NOT_FOUND);
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_RULES_UNAVAILABLE');
    assert.equal(enforcer.state, 'no-ara');
    assert.deepEqual(ara.counts, { refresh: 0, all: 0, next: 0 });
    ara.select = select;
    assert.ok((await sessionFor(app).openLogicalChannel(fromHex(APP_AID))).isOpen());
    assert.equal(enforcer.state, 'ready');
    assert.deepEqual(ara.counts, { refresh: 1, all: 1, next: 0 });
  });

  it('an element failure while reading the rules is transient: refused with IO, the next opening succeeds', async () => {
    const { sessionFor, ara, enforcer } = await setup();
    const select = ara.select.bind(ara);
    ara.select = () => {
      throw new Error('the ARA-M crashed');
    };
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_IO');
    assert.equal(enforcer.state, 'uninitialised');
    ara.select = select;
    assert.ok((await sessionFor(app).openLogicalChannel(fromHex(APP_AID))).isOpen());
  });

  it('a broken ARA-M denies everything, even after it recovers, until a new enforcer', async () => {
    const { sessionFor, ara, enforcer } = await setup();
    ara.brokenRefresh = true;
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_RULES_BROKEN');
    ara.brokenRefresh = false;
    await rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_RULES_BROKEN');
    assert.equal(enforcer.state, 'broken');
    assert.ok((await sessionFor(system).openLogicalChannel(fromHex(APP_AID))).isOpen());
    assert.deepEqual(await enforcer.isNfcEventAllowed(fromHex(APP_AID), [app]), [false]);
  });

  it('rules that do not parse break the enforcer', async () => {
    const { sessionFor, ara, enforcer } = await setup();
    ara.setRules(fromHex('FF4003E20100'));
    await assert.rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), (err: { code?: string; cause?: { code?: string } }) => {
      assert.deepEqual([err.code, err.cause?.code], ['ERR_OMAPI_ACCESS_RULES_BROKEN', 'ERR_ACE_ARA_RULES']);
      return true;
    });
    assert.equal(enforcer.state, 'broken');
  });

  it('NFC transaction events follow the NFC-AR-DO', async () => {
    const { terminal } = await setup();
    assert.deepEqual(await terminal.isNfcEventAllowed(fromHex(APP_AID), [app, other]), [true, false]);
    assert.deepEqual(await terminal.isNfcEventAllowed(fromHex(APP_AID_2), [app]), [true], 'no D1: follows the APDU access');
    assert.deepEqual(await terminal.isNfcEventAllowed(fromHex(OTHER_AID), [app]), [false]);
  });

  it('the real rule model decides: merged rules, the C0 form for no AID, conflicts', async () => {
    const mine = { aid: { kind: 'aid', aid: fromHex(APP_AID) }, hash: app.hashes[1]! } as const;
    const ff40 = encodeAllRulesResponse([
      // Two rules for one REF-DO merge; the one without APDU-AR-DO makes access DENIED ([AOSP-SE] mapArDo2ChannelAccess).
      { ref: mine, ar: { apdu: { kind: 'always' } } },
      { ref: mine, ar: { nfc: 'always' } },
      { ref: { aid: { kind: 'default' }, hash: app.hashes[0]! }, ar: { apdu: { kind: 'always' } } },
      { ref: { aid: { kind: 'all' }, hash: new Uint8Array(0) }, ar: { apdu: { kind: 'filters', filters: [{ header: fromHex('00010000'), mask: fromHex('FFFF0000') }] } } },
    ]);
    const { sessionFor, seen } = await setup({ ff40 });
    const merged = await sessionFor(app).openLogicalChannel(fromHex(APP_AID));
    assert.deepEqual([merged.isOpen(), merged.getSelectResponse() !== undefined], [true, true], 'APDU ALLOWED opens the channel');
    await rejects(merged.transmit(fromHex('00010000')), 'ERR_OMAPI_APDU_DENIED');
    const dflt = await sessionFor(app).openLogicalChannel(null);
    assert.equal(await tx(dflt, '00010000'), '6D00', 'the C0 rule of this app lets commands reach the default application');
    await rejects(sessionFor(other).openLogicalChannel(null), 'ERR_OMAPI_ACCESS_DENIED');
    await rejects(sessionFor(other).openLogicalChannel(fromHex(APP_AID)), 'ERR_OMAPI_ACCESS_DENIED');
    const generic = await sessionFor(other).openLogicalChannel(fromHex(APP_AID_2));
    assert.equal(await tx(generic, '00010000'), ascii('A2') + '0303' + '9000', 'D: the all/all filter rule');
    await rejects(generic.transmit(fromHex('00030000')), 'ERR_OMAPI_APDU_DENIED');
    assert.deepEqual(seen, ['03'], 'one command reached an applet (its CLA on channel 3)');
  });

  it('an engine that fails to decide opens nothing and grants no NFC event (a misbehaving engine)', async () => {
    const failing: RuleEngine = {
      load: () => undefined,
      decide: () => {
        throw new Error('engine bug');
      },
    };
    const { sessionFor, terminal, element } = await setup({ engine: failing });
    await assert.rejects(sessionFor(app).openLogicalChannel(fromHex(APP_AID)), (err: { code?: string; cause?: Error }) => {
      assert.deepEqual([err.code, err.cause?.message], ['ERR_OMAPI_ACCESS_DENIED', 'engine bug']);
      return true;
    });
    assert.deepEqual(await terminal.isNfcEventAllowed(fromHex(APP_AID), [app]), [false]);
    assert.deepEqual(element.openChannels, [0]);
  });
});
