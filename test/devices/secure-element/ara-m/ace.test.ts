import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeCommand, parseResponse } from '../../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  AccessRuleCache,
  AceError,
  AraRuleEngine,
  AllRulesAssembler,
  appCertificateHashes,
  decodeAllRulesResponse,
  readAllRules,
  readRefreshTag,
  type AceErrorCode,
  type ApduSender,
  type ArDo,
  type RefArDo,
  type RefDo,
} from '../../../../src/devices/secure-element/ara-m/index.js';
import * as ace from '../../../../src/devices/secure-element/ara-m/ace/index.js';
import { vectorJson } from '../../../helpers/vectors.js';

const V = vectorJson<{ getAllResponse: string }>('ara-m-gp-omapi.json');
const EXAMPLE = decodeAllRulesResponse(fromHex(V.getAllResponse)).rules;

/** Stand-ins for DER signing certificates: the enforcer only hashes their bytes. */
const CERT1 = fromHex('3082000101');
const CERT2 = fromHex('3082000202');
const CERT3 = fromHex('3082000303');
const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

const AID_X = fromHex('A0000000041010');
const AID_Y = fromHex('A0000000031010');
const AID_Z = fromHex('A0000000051010');
const NONE = new Uint8Array(0);
const aid = (a: Uint8Array): RefDo['aid'] => ({ kind: 'aid', aid: a });
const ALL: RefDo['aid'] = { kind: 'all' };
const r = (ref: RefDo, ar: ArDo): RefArDo => ({ ref, ar });
const ALWAYS: ArDo = { apdu: { kind: 'always' } };
const NEVER: ArDo = { apdu: { kind: 'never' } };
const filter = (header: string, mask: string): ArDo => ({ apdu: { kind: 'filters', filters: [{ header: fromHex(header), mask: fromHex(mask) }] } });

function decide(rules: readonly RefArDo[], target: Uint8Array | null, certs: Uint8Array[]) {
  return new AccessRuleCache(rules).decide(target, appCertificateHashes(certs));
}

function aceCode(fn: () => unknown): AceErrorCode | string {
  try {
    fn();
  } catch (err) {
    return err instanceof AceError ? err.code : `not an AceError: ${String(err)}`;
  }
  return 'no error';
}

describe('ACE: application identity (step 2)', () => {
  it('gives SHA-1 then SHA-256 of each certificate, in order; the search refuses an application without one', () => {
    const hashes = appCertificateHashes([CERT1, CERT2]);
    assert.deepEqual(hashes.map(toHex), [sha1(CERT1), sha256(CERT1), sha1(CERT2), sha256(CERT2)].map(toHex));
    assert.deepEqual([hashes[0]!.length, hashes[1]!.length], [20, 32]);
    assert.deepEqual(appCertificateHashes([]), []);
    // A rule for all applications must not let in one that has no identity at all.
    const everyone = new AccessRuleCache([r({ aid: aid(AID_X), hash: NONE }, ALWAYS)]);
    assert.equal(aceCode(() => everyone.decide(AID_X, [])), 'ERR_ACE_NO_CERTIFICATES');
    assert.equal(aceCode(() => new AraRuleEngine().decide(AID_X, [])), 'ERR_ACE_NO_CERTIFICATES');
  });
});

describe('ACE: the rule engine (what the phone\'s enforcer feeds)', () => {
  it('loads a whole FF40 and decides with merge, search and resolution; undefined (6A88) clears the rules', () => {
    const engine = new AraRuleEngine();
    assert.equal(engine.decide(AID_X, appCertificateHashes([CERT1])).basis, 'none', 'nothing loaded: deny');
    engine.load(fromHex(V.getAllResponse));
    assert.equal(engine.cache.size, 3);
    const d = engine.decide(fromHex('A000000600010001EE0501'), appCertificateHashes([CERT2]));
    assert.deepEqual([d.basis, d.channelAllowed, d.apduAllowed(fromHex('0010010000')), d.apduAllowed(fromHex('0020000000'))], ['B', true, true, false]);
    const dflt = engine.decide(undefined, appCertificateHashes([CERT3]));
    assert.deepEqual([dflt.basis, dflt.channelAllowed, dflt.nfcAllowed], ['D', true, true], 'undefined AID: the C0 form, found through D');
    engine.load(undefined);
    assert.deepEqual([engine.cache.size, engine.decide(AID_X, appCertificateHashes([CERT3])).channelAllowed], [0, false]);
  });

  it('refuses bytes that are not a valid FF40 with ERR_ACE_ARA_RULES (cause: the AraError) and keeps no old rule', () => {
    const engine = new AraRuleEngine();
    engine.load(fromHex(V.getAllResponse));
    for (const bad of ['FF4003E20100', 'FF4006E204E1024F00', 'FF5000', 'FF40', 'FF400AE208E106C1000401']) {
      let cause: unknown;
      assert.equal(
        aceCode(() => {
          try {
            engine.load(fromHex(bad));
          } catch (err) {
            cause = (err as Error).cause;
            throw err;
          }
        }),
        'ERR_ACE_ARA_RULES',
        bad,
      );
      assert.match(String((cause as { code?: string }).code), /^ERR_ARA_/, bad);
      assert.equal(engine.cache.size, 0, `${bad}: the rules loaded before are gone`);
      engine.load(fromHex(V.getAllResponse));
    }
  });
});

describe('ACE: GlobalPlatform\'s example rules', () => {
  it('denies the AID with APDU NEVER / NFC NEVER to every application (step B)', () => {
    const d = decide(EXAMPLE, fromHex('A000000600010001EE05FE'), [CERT1]);
    assert.deepEqual([d.basis, d.channelAllowed, d.nfcAllowed, d.apduAllowed(fromHex('00A4040000'))], ['B', false, false, false]);
  });

  it('opens the AID with 12 filters and checks every APDU against them (steps B, 4, 5)', () => {
    const d = decide(EXAMPLE, fromHex('A000000600010001EE0501'), [CERT2]);
    assert.deepEqual([d.basis, d.channelAllowed, d.nfcAllowed], ['B', true, false]);
    const table: [string, boolean][] = [
      ['00100100', true],
      ['0F100200', true], // CLA low nibble masked off (F0)
      ['10100100', false], // CLA high nibble kept
      ['00300000', true],
      ['00400000', true],
      ['00500000', true], // 00400000/F0EFFFFF and 00500000/F0FFFFFF
      ['00550000', true],
      ['00A40400', true], // P1 04 AND FB = 00
      ['00A40800', false],
      ['00700000', true],
      ['0070801F', true], // 007000 00 / F0FF7FE0: P1 b8 and P2 b5..b1 free
      ['00700020', false],
      ['00600000', true],
      ['006A0000', true], // INS 6x: F0F0FFFF
      ['00900000', true],
      ['00200000', false],
      ['FF300000', true], // a filter allows it; OMAPI refuses CLA FF before the enforcer (see below)
      ['001001', false], // shorter than a header
    ];
    for (const [hex, allowed] of table) assert.equal(d.apduAllowed(fromHex(hex.length === 8 ? hex + '00' : hex)), allowed, hex);
  });

  it('grants everything else through the all/all rule (step D), the default application included', () => {
    for (const target of [AID_X, null, new Uint8Array(5)]) {
      const d = decide(EXAMPLE, target, [CERT3]);
      assert.deepEqual([d.basis, d.channelAllowed, d.nfcAllowed, d.apduAllowed(fromHex('80CA9F7F00'))], ['D', true, true, true]);
    }
  });
});

describe('ACE: the search A, B, C, D and specific beats generic (step 3)', () => {
  const rules = [
    r({ aid: aid(AID_X), hash: sha256(CERT1) }, ALWAYS),
    r({ aid: aid(AID_Y), hash: NONE }, { ...ALWAYS, nfc: 'never' }),
    r({ aid: ALL, hash: sha1(CERT2) }, filter('00B00000', 'FFFF0000')),
  ];
  const cases: [string, Uint8Array, Uint8Array[], string, boolean, boolean][] = [
    ['A: the app\'s own rule', AID_X, [CERT1], 'A', true, true],
    ['A: found by the second certificate', AID_X, [CERT3, CERT1], 'A', true, true],
    ['A-conflict: another app holds the AID', AID_X, [CERT2], 'A-conflict', false, false],
    ['B: the AID for all apps', AID_Y, [CERT1], 'B', true, false],
    ['C: the app on all AIDs', AID_Z, [CERT2], 'C', true, true],
    ['C-conflict: another app holds all AIDs', AID_Z, [CERT1], 'C-conflict', false, false],
  ];
  for (const [name, target, certs, basis, channel, nfc] of cases) {
    it(name, () => {
      const d = decide(rules, target, certs);
      assert.deepEqual([d.basis, d.channelAllowed, d.nfcAllowed], [basis, channel, nfc]);
    });
  }

  it('C decides APDUs by its filter; A-conflict wins over a B rule for the same AID', () => {
    const c = decide(rules, AID_Z, [CERT2]);
    assert.deepEqual([c.apduAllowed(fromHex('00B0000010')), c.apduAllowed(fromHex('00B2000010'))], [true, false]);
    const withB = [...rules, r({ aid: aid(AID_X), hash: NONE }, ALWAYS)];
    assert.equal(decide(withB, AID_X, [CERT2]).basis, 'A-conflict');
    assert.equal(decide(withB, AID_X, [CERT1]).basis, 'A');
  });

  it('D, then nothing: no rule denies everything', () => {
    const d = decide([r({ aid: ALL, hash: NONE }, NEVER)], AID_Z, [CERT1]);
    assert.deepEqual([d.basis, d.channelAllowed], ['D', false]);
    const none = decide([r({ aid: aid(AID_Y), hash: NONE }, ALWAYS)], AID_Z, [CERT1]);
    assert.deepEqual([none.basis, none.channelAllowed, none.nfcAllowed, none.access.access], ['none', false, false, 'denied']);
    assert.equal(decide([], AID_Z, [CERT1]).basis, 'none');
  });

  it('tries SHA-1 before SHA-256 of a certificate', () => {
    const both = [r({ aid: aid(AID_X), hash: sha256(CERT1) }, ALWAYS), r({ aid: aid(AID_X), hash: sha1(CERT1) }, NEVER)];
    assert.equal(decide(both, AID_X, [CERT1]).channelAllowed, false);
    assert.equal(decide([both[0]!], AID_X, [CERT1]).channelAllowed, true);
  });

  it('uses the C0 rules for a null AID and for 0000000000, and matches AIDs exactly', () => {
    const rules = [r({ aid: { kind: 'default' }, hash: NONE }, ALWAYS)];
    assert.equal(decide(rules, null, [CERT1]).basis, 'B');
    assert.equal(decide(rules, fromHex('0000000000'), [CERT1]).basis, 'B');
    assert.equal(decide([r({ aid: aid(AID_X), hash: NONE }, ALWAYS)], concat(AID_X, Uint8Array.of(1)), [CERT1]).basis, 'none');
  });

  it('refuses an AID outside 5..16 bytes', () => {
    const cache = new AccessRuleCache(EXAMPLE);
    assert.equal(aceCode(() => cache.decide(new Uint8Array(4), [sha1(CERT1)])), 'ERR_ACE_AID_LENGTH');
    assert.equal(aceCode(() => cache.decide(new Uint8Array(17), [sha1(CERT1)])), 'ERR_ACE_AID_LENGTH');
  });

  it('keeps carrier-privilege rules apart: they never open a channel here', () => {
    const carrier = r({ hash: sha1(CERT1), packageName: 'jp.example.wallet' }, ALWAYS);
    const cache = new AccessRuleCache([carrier, { ref: { aid: aid(fromHex('FFFFFFFFFFFF')), hash: sha1(CERT1) } }]);
    assert.equal(cache.size, 0);
    assert.equal(cache.carrierPrivilegeRules.length, 2);
    assert.equal(cache.decide(fromHex('FFFFFFFFFFFF'), [sha1(CERT1)]).channelAllowed, false);
  });
});

describe('ACE: merge of identical REF-DOs (step 1) and missing attributes (step 4)', () => {
  const ref: RefDo = { aid: aid(AID_X), hash: NONE };
  const merged = (...ars: ArDo[]) => decide(ars.map((a) => r(ref, a)), AID_X, [CERT1]);
  it('APDU: NEVER beats filter beats ALWAYS beats absent, filters concatenated', () => {
    assert.equal(merged(ALWAYS, NEVER).channelAllowed, false);
    assert.equal(merged(filter('00B00000', 'FFFF0000'), NEVER).channelAllowed, false);
    const f = merged(ALWAYS, filter('00B00000', 'FFFF0000'));
    assert.deepEqual([f.channelAllowed, f.apduAllowed(fromHex('00B0000000')), f.apduAllowed(fromHex('00D6000000'))], [true, true, false]);
    const two = merged(filter('00B00000', 'FFFF0000'), filter('00D60000', 'FFFF0000'));
    assert.deepEqual([two.access.filters.length, two.apduAllowed(fromHex('00B0000000')), two.apduAllowed(fromHex('00D6000000'))], [2, true, true]);
  });

  it('NFC: NEVER beats ALWAYS beats absent', () => {
    assert.equal(merged({ ...ALWAYS, nfc: 'always' }, { ...ALWAYS, nfc: 'never' }).nfcAllowed, false);
    assert.equal(merged({ ...ALWAYS, nfc: 'never' }, { ...ALWAYS, nfc: 'always' }).nfcAllowed, false);
    assert.equal(merged({ ...NEVER, nfc: 'always' }, NEVER).nfcAllowed, true);
  });

  it('keeps one merged entry per REF-DO', () => {
    const cache = new AccessRuleCache([r(ref, ALWAYS), r(ref, { nfc: 'never' }), r({ aid: ALL, hash: NONE }, NEVER)]);
    assert.equal(cache.size, 2);
    assert.deepEqual(cache.lookup(ref), { access: 'denied', apdu: 'allowed', filters: [], nfc: 'denied' });
    assert.equal(cache.lookup({ aid: aid(AID_Z), hash: NONE }), undefined);
  });

  it('a rule without APDU-AR-DO makes the merged access DENIED: the channel may open, no APDU passes ([AOSP-SE] checkCommand)', () => {
    const d = merged(ALWAYS, { nfc: 'always' });
    assert.deepEqual([d.channelAllowed, d.access.access, d.apduAllowed(fromHex('00B0000000')), d.nfcAllowed], [true, 'denied', false, true]);
  });

  it('merges a filter and an NFC-only rule the same way in both orders (AOSP does not)', () => {
    const a = merged(filter('00B00000', 'FFFF0000'), { nfc: 'always' });
    const b = merged({ nfc: 'always' }, filter('00B00000', 'FFFF0000'));
    assert.deepEqual(a.access, b.access);
    assert.equal(a.channelAllowed, true);
  });

  it('resolves missing attributes: APDU absent → DENIED; NFC absent → ALLOWED with a filter, else the APDU access', () => {
    const only = (ar: ArDo) => merged(ar);
    assert.deepEqual([only({ nfc: 'always' }).access.apdu, only({ nfc: 'always' }).channelAllowed, only({ nfc: 'always' }).nfcAllowed], ['denied', false, true]);
    assert.equal(only(filter('00B00000', 'FFFF0000')).nfcAllowed, true);
    assert.equal(only(ALWAYS).nfcAllowed, true);
    assert.equal(only(NEVER).nfcAllowed, false);
    assert.equal(only({ permissions: new Uint8Array(8) }).channelAllowed, false);
  });
});

/** A sender that answers from a script (data + SW in hex) and records the commands it was given, encoded. */
function scripted(answers: string[]): ApduSender & { sent: string[] } {
  const sent: string[] = [];
  const send: ApduSender = (c) => {
    sent.push(toHex(encodeCommand(c)));
    const next = answers.shift();
    return next === undefined ? Promise.reject(new Error('script exhausted')) : Promise.resolve(parseResponse(fromHex(next)));
  };
  return Object.assign(send, { sent });
}

describe('ACE: the ARA reader (step 1; the phone\'s enforcer runs it, test/devices/phone/)', () => {
  it('accepts DF20 08 <8 bytes> and nothing else as the refresh tag, sent as 80 CA DF 20 00', async () => {
    const ok = scripted(['DF200801020304050607089000']);
    assert.equal(toHex(await readRefreshTag(ok)), '0102030405060708');
    assert.deepEqual(ok.sent, ['80CADF2000']);
    const bad: [string, AceErrorCode][] = [
      ['DF2007010203040506079000', 'ERR_ACE_ARA_RULES'],
      ['DF20090102030405060708099000', 'ERR_ACE_ARA_RULES'],
      ['DF20080102030405060708' + '6F00', 'ERR_ACE_ARA_STATUS'],
      ['DF21080102030405060708' + '9000', 'ERR_ACE_ARA_RULES'],
      ['DF2008010203040506070809' + '9000', 'ERR_ACE_ARA_RULES'],
      ['6A88', 'ERR_ACE_ARA_STATUS'],
    ];
    for (const [answer, code] of bad) await assert.rejects(readRefreshTag(scripted([answer])), (err: AceError) => err.code === code, answer);
  });

  it('reads All then Next until the announced length (short and long length forms), and 6A88 as "no rules"', async () => {
    const ch = scripted(['FF4006E2049000', '01029000', '03049000']);
    assert.equal(toHex((await readAllRules(ch))!), 'FF4006E20401020304');
    assert.deepEqual(ch.sent, ['80CAFF4000', '80CAFF6000', '80CAFF6000']);
    assert.equal(await readAllRules(scripted(['6A88'])), undefined);
    assert.equal(toHex((await readAllRules(scripted(['FF40820003E201009000'])))!), 'FF40820003E20100', 'long length form');
  });

  it('refuses a wrong tag, a bad length, an announced size over the cap, an empty or overlong Next, and other status words', async () => {
    const cases: [string, string[], AceErrorCode][] = [
      ['not FF40', ['E2020000' + '9000'], 'ERR_ACE_ARA_HEADER'],
      ['no length', ['FF40' + '9000'], 'ERR_ACE_ARA_HEADER'],
      ['indefinite length', ['FF4080' + '9000'], 'ERR_ACE_ARA_HEADER'],
      ['5-byte length', ['FF40850000000001' + '9000'], 'ERR_ACE_ARA_HEADER'],
      ['a cut long length', ['FF4082' + '9000'], 'ERR_ACE_ARA_HEADER'],
      ['4 GB announced, no Next sent', ['FF4084FFFFFFFF' + '9000', '00'.repeat(4) + '9000'], 'ERR_ACE_ARA_TOO_LONG'],
      ['empty Next', ['FF4006E204' + '9000', '9000'], 'ERR_ACE_ARA_LENGTH'],
      ['Next beyond the announced end', ['FF4003E201' + '9000', '00AABB' + '9000'], 'ERR_ACE_ARA_LENGTH'],
      ['Next refused', ['FF4006E204' + '9000', '6985'], 'ERR_ACE_ARA_STATUS'],
      ['All refused', ['6982'], 'ERR_ACE_ARA_STATUS'],
    ];
    for (const [what, answers, code] of cases) {
      const ch = scripted([...answers]);
      await assert.rejects(readAllRules(ch), (err: AceError) => err.code === code, what);
      if (what.includes('no Next')) assert.equal(ch.sent.length, 1, what);
    }
  });

  it('takes a lower cap from the caller, checked on the first block before any [Next]', async () => {
    const whole = V.getAllResponse;
    assert.equal(toHex((await readAllRules(scripted([whole + '9000']), 169))!), whole);
    const ch = scripted([whole.slice(0, 200) + '9000', whole.slice(200) + '9000']);
    await assert.rejects(readAllRules(ch, 168), (err: AceError) => err.code === 'ERR_ACE_ARA_TOO_LONG');
    assert.deepEqual(ch.sent, ['80CAFF4000']);
  });

  it('assembles [All] and [Next] blocks exactly to the announced size', async () => {
    const whole = fromHex(V.getAllResponse);
    const blocks = [whole.subarray(0, 100), whole.subarray(100, 150), whole.subarray(150)];
    const a = new AllRulesAssembler(blocks[0]!);
    assert.deepEqual([a.total, a.missing], [169, 69]);
    a.add(blocks[1]!);
    a.add(blocks[2]!);
    assert.deepEqual([a.missing, toHex(a.bytes)], [0, V.getAllResponse]);
    let i = 0;
    const send: ApduSender = (c) => Promise.resolve(c.p2 === 0x40 ? { data: blocks[0]!, sw: 0x9000 } : { data: blocks[++i]!, sw: 0x9000 });
    assert.equal(toHex((await readAllRules(send))!), V.getAllResponse);
    assert.equal(ace.MAX_ALL_RULES, 1 << 20);
  });
});
