import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  AraError,
  decodeAllRulesResponse,
  decodeRefreshTag,
  decodeSpecificResponse,
  decodeStoreCommand,
  encodeAllRulesResponse,
  encodeStoreCommand,
  parseAraMData,
  type AidRef,
  type ApduRule,
  type ArDo,
  type RefArDo,
  type RefDo,
} from '../../../../src/devices/secure-element/ara-m/index.js';
import { vectorJson } from '../../../helpers/vectors.js';

const V = vectorJson<{ getAllResponse: string }>('ara-m-gp-omapi.json');

/** Every code the decoders may throw on input bytes (the encoder-only codes are not among them). */
const DECODE_CODES = new Set([
  'ERR_ARA_TLV',
  'ERR_ARA_UNEXPECTED_TAG',
  'ERR_ARA_DUPLICATE_DO',
  'ERR_ARA_AID_LENGTH',
  'ERR_ARA_DEFAULT_AID_NOT_EMPTY',
  'ERR_ARA_HASH_LENGTH',
  'ERR_ARA_HASH_MISSING',
  'ERR_ARA_PKG_LENGTH',
  'ERR_ARA_PKG_CHARSET',
  'ERR_ARA_PKG_WITH_AID',
  'ERR_ARA_REF_DO_UNKNOWN_DO',
  'ERR_ARA_REF_DO_MISSING',
  'ERR_ARA_AR_DO_MISSING',
  'ERR_ARA_AR_DO_EMPTY',
  'ERR_ARA_APDU_AR_LENGTH',
  'ERR_ARA_APDU_AR_VALUE',
  'ERR_ARA_NFC_AR_LENGTH',
  'ERR_ARA_NFC_AR_VALUE',
  'ERR_ARA_PERM_AR_LENGTH',
  'ERR_ARA_REFRESH_TAG_LENGTH',
  'ERR_ARA_COMMAND_COUNT',
  'ERR_ARA_COMMAND_UNKNOWN',
  'ERR_ARA_COMMAND_UNSUPPORTED',
  'ERR_ARA_STORE_EMPTY',
  'ERR_ARA_DELETE_TARGET',
  'ERR_ARA_UPDATE_REFRESH_TAG_CONTENT',
]);

function decodesOrAraError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AraError, `not an AraError: ${String(err)}`);
    assert.ok(DECODE_CODES.has(err.code), `undeclared code ${err.code}`);
  }
}

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const aidArb: fc.Arbitrary<AidRef> = fc.oneof(
  fc.constant<AidRef>({ kind: 'all' }),
  fc.constant<AidRef>({ kind: 'default' }),
  bytes(5, 16).map((aid): AidRef => ({ kind: 'aid', aid })),
);
const hashArb = fc.constantFrom(0, 20, 32).chain((n) => bytes(n, n));
// fast-check records have a null prototype; the decoder's objects are plain, and deepEqual compares prototypes.
const plain = <T extends object>(o: T): T => ({ ...o });
const refArb: fc.Arbitrary<RefDo> = fc.oneof(
  fc.record({ aid: aidArb, hash: hashArb }).map(plain),
  // Carrier privilege: no AID, optionally a package name of printable ASCII.
  fc.record({
    hash: hashArb,
    packageName: fc.string({ minLength: 1, maxLength: 127, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
  }).map(plain),
);
const apduArb: fc.Arbitrary<ApduRule> = fc.oneof(
  fc.constant<ApduRule>({ kind: 'never' }),
  fc.constant<ApduRule>({ kind: 'always' }),
  fc.array(fc.record({ header: bytes(4, 4), mask: bytes(4, 4) }).map(plain), { minLength: 1, maxLength: 20 }).map((filters): ApduRule => ({ kind: 'filters', filters })),
);
const arArb: fc.Arbitrary<ArDo> = fc
  .record({ apdu: fc.option(apduArb, { nil: undefined }), nfc: fc.option(fc.constantFrom('never' as const, 'always' as const), { nil: undefined }), permissions: fc.option(bytes(8, 8), { nil: undefined }) })
  .filter((a) => a.apdu !== undefined || a.nfc !== undefined || a.permissions !== undefined)
  .map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as ArDo);
const ruleArb: fc.Arbitrary<RefArDo> = fc.record({ ref: refArb, ar: arArb }).map(plain);

describe('ARA-M codec properties', () => {
  it('any valid rule list encodes, decodes to the same rules and encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), (rules) => {
        const encoded = encodeAllRulesResponse(rules);
        const decoded = decodeAllRulesResponse(encoded);
        assert.deepEqual(decoded.rules, rules);
        assert.deepEqual(decoded.dropped, []);
        assert.equal(toHex(encodeAllRulesResponse(decoded.rules)), toHex(encoded));
        const store = encodeStoreCommand({ kind: 'store', rules: rules.length > 0 ? rules : [rules[0] ?? { ref: { hash: new Uint8Array(0) } }] });
        assert.equal(toHex(encodeStoreCommand(decodeStoreCommand(store).command)), toHex(store));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes give rules or an AraError with a declared code, never anything else', () => {
    fc.assert(
      fc.property(bytes(0, 200), (b) => {
        decodesOrAraError(() => decodeAllRulesResponse(b));
        decodesOrAraError(() => decodeStoreCommand(b));
        decodesOrAraError(() => decodeRefreshTag(b));
        decodesOrAraError(() => decodeSpecificResponse(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a plausible header reach the inner decoders and still fail only with declared codes', () => {
    const prefixes = ['FF40', 'F0', 'F1', 'FF50', 'E2'].map(fromHex);
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), bytes(0, 120), (prefix, body) => {
        const b = concat(prefix, Uint8Array.of(body.length), body);
        decodesOrAraError(() => decodeAllRulesResponse(b));
        decodesOrAraError(() => decodeStoreCommand(b));
        decodesOrAraError(() => decodeSpecificResponse(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('the 169-byte example damaged one byte at a time decodes or fails with a declared code', () => {
    const example = fromHex(V.getAllResponse);
    fc.assert(
      fc.property(fc.nat({ max: example.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }), (at, byte, how) => {
        let b: Uint8Array = example.slice();
        if (how === 0) b[at] = byte;
        if (how === 1) b = b.subarray(0, at);
        if (how === 2) b = concat(b.subarray(0, at), Uint8Array.of(byte), b.subarray(at));
        decodesOrAraError(() => decodeAllRulesResponse(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('a document that is not an ARA-M\'s fails with ERR_ARA_STATE only', () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.string(), { maxLength: 3 }), fc.string(), (junk, rules, tag) => {
        for (const data of [junk, { format: 'ara-m/1', rules, refreshTag: tag }]) {
          try {
            parseAraMData(data);
          } catch (err) {
            assert.ok(err instanceof AraError && err.code === 'ERR_ARA_STATE', String(err));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
