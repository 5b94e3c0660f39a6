import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/bytes/index.js';
import { decodeTlv, encodeTlv } from '../../../../src/tlv/index.js';
import {
  AraError,
  decodeAllRulesResponse,
  decodeArDo,
  decodeRefArDo,
  decodeRefDo,
  decodeRefreshTag,
  decodeSpecificResponse,
  decodeStoreCommand,
  encodeAllRulesResponse,
  encodeArDo,
  encodeRefArDo,
  encodeRefDo,
  encodeRefreshTag,
  encodeSpecificResponse,
  encodeStoreCommand,
  type AraErrorCode,
} from '../../../../src/devices/secure-element/ara-m/index.js';
import { vectorJson } from '../../../helpers/vectors.js';

const V = vectorJson<{ getAllResponse: string; rules: string[]; refreshTagResponse: string; specific: { response: string }[] }>('ara-m-gp-omapi.json');

/** Hex of a data object: tag, BER length (short, 81, 82), content (concatenated hex). */
function t(tag: string, ...content: string[]): string {
  const value = content.join('');
  const n = value.length / 2;
  const length = n < 0x80 ? n.toString(16).padStart(2, '0') : n < 0x100 ? '81' + n.toString(16) : '82' + n.toString(16).padStart(4, '0');
  return (tag + length + value).toUpperCase();
}

function code(fn: () => unknown): AraErrorCode | string {
  try {
    fn();
  } catch (err) {
    return err instanceof AraError ? err.code : `not an AraError: ${String(err)}`;
  }
  return 'no error';
}

describe('ARA-M data objects: GlobalPlatform\'s example', () => {
  it('decodes the 169-byte GET DATA [All] answer into its three rules and encodes them back byte for byte', () => {
    const bytes = fromHex(V.getAllResponse);
    assert.equal(bytes.length, 169);
    const { rules, dropped } = decodeAllRulesResponse(bytes);
    assert.deepEqual(dropped, []);
    assert.equal(rules.length, 3);
    const [denied, filtered, all] = rules;
    assert.deepEqual(denied, {
      ref: { aid: { kind: 'aid', aid: fromHex('A000000600010001EE05FE') }, hash: new Uint8Array(0) },
      ar: { apdu: { kind: 'never' }, nfc: 'never' },
    });
    assert.equal(filtered!.ar!.apdu!.kind, 'filters');
    const filters = filtered!.ar!.apdu!.kind === 'filters' ? filtered!.ar!.apdu!.filters : [];
    assert.equal(filters.length, 12);
    assert.deepEqual(
      filters.slice(0, 2).map((f) => [toHex(f.header), toHex(f.mask)]),
      [
        ['00100100', 'F0FFFFFF'],
        ['00100200', 'F0FFFFFF'],
      ],
    );
    assert.deepEqual([toHex(filters[11]!.header), toHex(filters[11]!.mask)], ['00900000', 'F0F0FFFF']);
    assert.equal(filtered!.ar!.nfc, 'never');
    assert.deepEqual(all, { ref: { aid: { kind: 'all' }, hash: new Uint8Array(0) }, ar: { apdu: { kind: 'always' }, nfc: 'always' } });
    assert.equal(toHex(encodeAllRulesResponse(rules)), V.getAllResponse);
    for (const [i, hex] of V.rules.entries()) assert.equal(toHex(encodeTlv(encodeRefArDo(decodeRefArDo(decodeTlv(fromHex(hex)))))), hex, `rule ${i}`);
  });

  it('round-trips the refresh tag and the [Specific] answers', () => {
    assert.equal(toHex(decodeRefreshTag(fromHex(V.refreshTagResponse))), '0102030405060708');
    assert.equal(toHex(encodeRefreshTag(fromHex('0102030405060708'))), V.refreshTagResponse);
    for (const v of V.specific) assert.equal(toHex(encodeSpecificResponse(decodeSpecificResponse(fromHex(v.response)))), v.response);
    assert.equal(decodeSpecificResponse(fromHex('FF5000')), undefined);
    assert.equal(toHex(encodeSpecificResponse(undefined)), 'FF5000');
  });

  it('builds the digest\'s one-rule example: E2 32 E1 2B 4F 07 A0000000041010 C1 20 <H> E3 03 D0 01 01 inside FF40 34', () => {
    const h = new Uint8Array(32).fill(0xab);
    const rule = { ref: { aid: { kind: 'aid' as const, aid: fromHex('A0000000041010') }, hash: h }, ar: { apdu: { kind: 'always' as const } } };
    assert.equal(toHex(encodeAllRulesResponse([rule])), 'FF4034E232E12B4F07A0000000041010C120' + toHex(h) + 'E303D00101');
  });
});

describe('ARA-M data objects: round trips', () => {
  const cases: [string, string][] = [
    ['REF-DO default application, SHA-1', t('E1', 'C000', t('C1', '11'.repeat(20)))],
    ['REF-DO carrier privilege without AID, with package', t('E1', 'C100', t('CA', '636F6D2E6578616D706C65'))],
    ['REF-DO carrier AID and package', t('E1', t('4F', 'FFFFFFFFFFFF'), 'C100', t('CA', '616263'))],
    ['REF-DO 16-byte AID, SHA-256', t('E1', t('4F', 'A0'.repeat(16)), t('C1', '22'.repeat(32)))],
    ['AR-DO all three', t('E3', 'D00101', 'D10100', t('DB', '0000000000000001'))],
    ['AR-DO permissions only', t('E3', t('DB', '0102030405060708'))],
    ['AR-DO one filter', t('E3', t('D0', '00A40400FFFFFFFF'))],
  ];
  for (const [name, hex] of cases) {
    it(name, () => {
      const node = decodeTlv(fromHex(hex));
      const encoded = node.tag === 0xe1 ? encodeRefDo(decodeRefDo(node)) : encodeArDo(decodeArDo(node));
      assert.equal(toHex(encodeTlv(encoded)), hex);
    });
  }

  it('round-trips STORE DATA commands: store, the four deletes, update refresh tag', () => {
    const store = 'F081A5' + V.rules.join('');
    const commands = [
      store,
      'F100',
      'F1024F00',
      'F102C000',
      'F1094F07A0000000041010',
      'F106E1044F00C100',
      'F110' + V.rules[2],
      'F200',
    ];
    for (const hex of commands) {
      const { command, dropped } = decodeStoreCommand(fromHex(hex));
      assert.deepEqual(dropped, []);
      assert.equal(toHex(encodeStoreCommand(command)), hex);
    }
    assert.deepEqual(decodeStoreCommand(fromHex('F100')).command, { kind: 'delete', target: { kind: 'all' } });
  });

  it('reports unknown data objects it drops in FF40, E2 and E3, and drops none in E1', () => {
    const r = decodeAllRulesResponse(fromHex(t('FF40', 'DF2100', t('E2', 'E1044F00C100', t('E3', 'D00101', 'DF7F0100')), '9F2000')));
    assert.deepEqual(r.dropped, [0xdf21, 0xdf7f, 0x9f20]);
    assert.deepEqual(r.rules[0]!.ar, { apdu: { kind: 'always' } });
    assert.equal(code(() => decodeRefDo(decodeTlv(fromHex(t('E1', '4F00', 'C100', 'DF7F00'))))), 'ERR_ARA_REF_DO_UNKNOWN_DO');
  });
});

describe('ARA-M data objects: every bad shape has its code', () => {
  const E1_ALL = 'E1044F00C100';
  const ar = (...inner: string[]) => t('E2', E1_ALL, t('E3', ...inner));
  const ref = (...inner: string[]) => t('E2', t('E1', ...inner), 'E303D00101');
  const table: [string, string, AraErrorCode][] = [
    ['not BER-TLV', 'E2', 'ERR_ARA_TLV'],
    ['AID of 4 bytes', ref(t('4F', 'A0000000'), 'C100'), 'ERR_ARA_AID_LENGTH'],
    ['AID of 17 bytes', ref(t('4F', 'A0'.repeat(17)), 'C100'), 'ERR_ARA_AID_LENGTH'],
    ['C0 with content', ref('C001AA', 'C100'), 'ERR_ARA_DEFAULT_AID_NOT_EMPTY'],
    ['4F and C0', ref('4F00', 'C000', 'C100'), 'ERR_ARA_DUPLICATE_DO'],
    ['two C1', ref('4F00', 'C100', 'C100'), 'ERR_ARA_DUPLICATE_DO'],
    ['hash of 19 bytes', ref('4F00', t('C1', '00'.repeat(19))), 'ERR_ARA_HASH_LENGTH'],
    ['hash of 33 bytes', ref('4F00', t('C1', '00'.repeat(33))), 'ERR_ARA_HASH_LENGTH'],
    ['no hash', ref('4F00'), 'ERR_ARA_HASH_MISSING'],
    ['empty package', ref('C100', 'CA00'), 'ERR_ARA_PKG_LENGTH'],
    ['package of 128', ref('C100', t('CA', '61'.repeat(128))), 'ERR_ARA_PKG_LENGTH'],
    ['package with a space', ref('C100', t('CA', '6120')), 'ERR_ARA_PKG_CHARSET'],
    ['package with a control byte', ref('C100', t('CA', '610A')), 'ERR_ARA_PKG_CHARSET'],
    ['package with a specific AID', ref(t('4F', 'A000000001'), 'C100', t('CA', '61')), 'ERR_ARA_PKG_WITH_AID'],
    ['package with all AIDs', ref('4F00', 'C100', t('CA', '61')), 'ERR_ARA_PKG_WITH_AID'],
    ['package with the default application', ref('C000', 'C100', t('CA', '61')), 'ERR_ARA_PKG_WITH_AID'],
    ['unknown DO in REF-DO', ref('4F00', 'C100', '9F2000'), 'ERR_ARA_REF_DO_UNKNOWN_DO'],
    ['no REF-DO', t('E2', 'E303D00101'), 'ERR_ARA_REF_DO_MISSING'],
    ['two REF-DOs', t('E2', E1_ALL, E1_ALL, 'E303D00101'), 'ERR_ARA_DUPLICATE_DO'],
    ['two AR-DOs', t('E2', E1_ALL, 'E303D00101', 'E303D00101'), 'ERR_ARA_DUPLICATE_DO'],
    ['no AR-DO for a specific AID', t('E2', t('E1', t('4F', 'A000000001'), 'C100')), 'ERR_ARA_AR_DO_MISSING'],
    ['no AR-DO for all AIDs', t('E2', E1_ALL), 'ERR_ARA_AR_DO_MISSING'],
    ['empty AR-DO', ar(), 'ERR_ARA_AR_DO_EMPTY'],
    ['AR-DO of unknown DOs only', ar('DF7F00'), 'ERR_ARA_AR_DO_EMPTY'],
    ['APDU-AR-DO empty', ar('D000'), 'ERR_ARA_APDU_AR_LENGTH'],
    ['APDU-AR-DO of 7 bytes', ar(t('D0', '00'.repeat(7))), 'ERR_ARA_APDU_AR_LENGTH'],
    ['APDU-AR-DO of 9 bytes', ar(t('D0', '00'.repeat(9))), 'ERR_ARA_APDU_AR_LENGTH'],
    ['APDU-AR-DO 02', ar('D00102'), 'ERR_ARA_APDU_AR_VALUE'],
    ['two APDU-AR-DOs', ar('D00101', 'D00100'), 'ERR_ARA_DUPLICATE_DO'],
    ['NFC-AR-DO of 2 bytes', ar('D1020101'), 'ERR_ARA_NFC_AR_LENGTH'],
    ['NFC-AR-DO empty', ar('D100'), 'ERR_ARA_NFC_AR_LENGTH'],
    ['NFC-AR-DO 02', ar('D10102'), 'ERR_ARA_NFC_AR_VALUE'],
    ['PERM-AR-DO of 7 bytes', ar(t('DB', '00'.repeat(7))), 'ERR_ARA_PERM_AR_LENGTH'],
  ];
  for (const [name, hex, expected] of table) {
    it(`${name} → ${expected}`, () => {
      const inside = hex === 'E2' ? hex : t('FF40', hex);
      assert.equal(code(() => decodeAllRulesResponse(fromHex(inside))), expected);
      assert.equal(code(() => decodeStoreCommand(fromHex(hex === 'E2' ? 'F0' : t('F0', hex)))), expected);
    });
  }

  const commands: [string, string, AraErrorCode][] = [
    ['empty', '', 'ERR_ARA_COMMAND_COUNT'],
    ['two commands', 'F200F200', 'ERR_ARA_COMMAND_COUNT'],
    ['unknown command', 'F900', 'ERR_ARA_COMMAND_UNKNOWN'],
    ['a rule outside F0', 'E20EE1044F00C100E306D00101D10101', 'ERR_ARA_COMMAND_UNKNOWN'],
    ['Command-Get', 'F3024F00', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Get-All', 'F400', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Get-Next', 'F500', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Get-Client-AIDs', 'F600', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Register-Client-AIDs', 'F7024F00', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Get-Device-Config', 'F800', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['Block-DO', 'E700', 'ERR_ARA_COMMAND_UNSUPPORTED'],
    ['F0 with no rule', 'F000', 'ERR_ARA_STORE_EMPTY'],
    ['F0 with unknown DOs only', 'F003DF7F00', 'ERR_ARA_STORE_EMPTY'],
    ['delete two targets', 'F1044F00C000', 'ERR_ARA_DELETE_TARGET'],
    ['delete by hash', 'F102C100', 'ERR_ARA_DELETE_TARGET'],
    ['delete a rule with an unknown DO', t('F1', t('E2', 'E1044F00C100', t('E3', 'D00101', 'DF7F00'))), 'ERR_ARA_DELETE_TARGET'],
    ['delete by a bad AID', 'F1034F01AA', 'ERR_ARA_AID_LENGTH'],
    ['update refresh tag with content', 'F202C000', 'ERR_ARA_UPDATE_REFRESH_TAG_CONTENT'],
  ];
  for (const [name, hex, expected] of commands) {
    it(`STORE DATA ${name} → ${expected}`, () => assert.equal(code(() => decodeStoreCommand(fromHex(hex))), expected));
  }

  it('refresh tags and [Specific] answers of the wrong shape', () => {
    assert.equal(code(() => decodeRefreshTag(fromHex('DF200701020304050607'))), 'ERR_ARA_REFRESH_TAG_LENGTH');
    assert.equal(code(() => decodeRefreshTag(fromHex('DF21080102030405060708'))), 'ERR_ARA_UNEXPECTED_TAG');
    assert.equal(code(() => encodeRefreshTag(new Uint8Array(9))), 'ERR_ARA_REFRESH_TAG_LENGTH');
    assert.equal(code(() => decodeSpecificResponse(fromHex(t('FF40', 'E303D00101')))), 'ERR_ARA_UNEXPECTED_TAG');
    assert.equal(code(() => decodeSpecificResponse(fromHex(t('FF50', 'E303D00101', 'E303D00100')))), 'ERR_ARA_DUPLICATE_DO');
    assert.equal(code(() => decodeSpecificResponse(fromHex(t('FF50', 'E2', '00')))), 'ERR_ARA_UNEXPECTED_TAG');
    assert.equal(code(() => decodeAllRulesResponse(fromHex(t('FF50', 'E303D00101')))), 'ERR_ARA_UNEXPECTED_TAG');
  });

  it('the encoders refuse what the decoders refuse', () => {
    assert.equal(code(() => encodeRefDo({ aid: { kind: 'aid', aid: new Uint8Array(4) }, hash: new Uint8Array(0) })), 'ERR_ARA_AID_LENGTH');
    assert.equal(code(() => encodeRefDo({ aid: { kind: 'all' }, hash: new Uint8Array(21) })), 'ERR_ARA_HASH_LENGTH');
    assert.equal(code(() => encodeRefDo({ hash: new Uint8Array(0), packageName: 'ユニコード' })), 'ERR_ARA_PKG_CHARSET');
    assert.equal(code(() => encodeArDo({})), 'ERR_ARA_AR_DO_EMPTY');
    assert.equal(code(() => encodeArDo({ apdu: { kind: 'filters', filters: [] } })), 'ERR_ARA_APDU_AR_LENGTH');
    assert.equal(code(() => encodeArDo({ apdu: { kind: 'filters', filters: [{ header: new Uint8Array(3), mask: new Uint8Array(4) }] } })), 'ERR_ARA_APDU_FILTER');
    assert.equal(code(() => encodeArDo({ permissions: new Uint8Array(7) })), 'ERR_ARA_PERM_AR_LENGTH');
    assert.equal(code(() => encodeRefArDo({ ref: { aid: { kind: 'all' }, hash: new Uint8Array(0) } })), 'ERR_ARA_AR_DO_MISSING');
    assert.equal(code(() => encodeStoreCommand({ kind: 'store', rules: [] })), 'ERR_ARA_STORE_EMPTY');
    // A carrier-privilege rule may come without its AR-DO.
    assert.equal(toHex(encodeTlv(encodeRefArDo({ ref: { hash: new Uint8Array(20) } }))), 'E218E116C114' + '00'.repeat(20));
  });
});
