import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SwName } from '../../src/apdu/index.js';
import { ApduError, describeSw, expectSuccess, parseResponse, response, StatusWordError, SW, throwSw } from '../../src/apdu/index.js';
import { hasCode, JpkiMobileError } from '../../src/errors/index.js';
import { hex, toHex } from '../../src/bytes/index.js';

// Every value the project relies on, with the name other modules will import.
const NAMED: readonly [number, SwName][] = [
  [0x9000, 'SUCCESS'],
  [0x6200, 'WARNING_NVM_UNCHANGED'],
  [0x6281, 'DATA_MAY_BE_CORRUPTED'],
  [0x6282, 'END_OF_FILE_REACHED'],
  [0x6283, 'SELECTED_FILE_DEACTIVATED'],
  [0x6284, 'FCI_NOT_FORMATTED'],
  [0x6285, 'SELECTED_FILE_TERMINATED'],
  [0x6286, 'NO_SENSOR_DATA'],
  [0x6300, 'WARNING_NVM_CHANGED'],
  [0x6310, 'MORE_DATA_AVAILABLE'],
  [0x6381, 'FILE_FILLED_UP'],
  [0x6382, 'CARD_KEY_NOT_SUPPORTED'],
  [0x6400, 'EXECUTION_ERROR_NVM_UNCHANGED'],
  [0x6500, 'EXECUTION_ERROR_NVM_CHANGED'],
  [0x6581, 'MEMORY_FAILURE'],
  [0x6700, 'WRONG_LENGTH'],
  [0x6800, 'CLA_FUNCTION_NOT_SUPPORTED'],
  [0x6881, 'LOGICAL_CHANNEL_NOT_SUPPORTED'],
  [0x6882, 'SECURE_MESSAGING_NOT_SUPPORTED'],
  [0x6883, 'LAST_COMMAND_OF_CHAIN_EXPECTED'],
  [0x6884, 'COMMAND_CHAINING_NOT_SUPPORTED'],
  [0x6900, 'COMMAND_NOT_ALLOWED'],
  [0x6981, 'INCOMPATIBLE_FILE_STRUCTURE'],
  [0x6982, 'SECURITY_STATUS_NOT_SATISFIED'],
  [0x6983, 'AUTHENTICATION_METHOD_BLOCKED'],
  [0x6984, 'REFERENCE_DATA_NOT_USABLE'],
  [0x6985, 'CONDITIONS_NOT_SATISFIED'],
  [0x6986, 'NO_CURRENT_EF'],
  [0x6987, 'SM_DATA_OBJECTS_MISSING'],
  [0x6988, 'SM_DATA_OBJECTS_INCORRECT'],
  [0x6a80, 'INCORRECT_DATA'],
  [0x6a81, 'FUNCTION_NOT_SUPPORTED'],
  [0x6a82, 'FILE_NOT_FOUND'],
  [0x6a83, 'RECORD_NOT_FOUND'],
  [0x6a84, 'NOT_ENOUGH_MEMORY'],
  [0x6a85, 'NC_INCONSISTENT_WITH_TLV'],
  [0x6a86, 'INCORRECT_P1P2'],
  [0x6a87, 'NC_INCONSISTENT_WITH_P1P2'],
  [0x6a88, 'REFERENCED_DATA_NOT_FOUND'],
  [0x6a89, 'FILE_ALREADY_EXISTS'],
  [0x6a8a, 'DF_NAME_ALREADY_EXISTS'],
  [0x6b00, 'WRONG_P1P2'],
  [0x6d00, 'INS_NOT_SUPPORTED'],
  [0x6e00, 'CLA_NOT_SUPPORTED'],
  [0x6f00, 'NO_PRECISE_DIAGNOSIS'],
];

describe('status word table', () => {
  for (const [sw, name] of NAMED) {
    it(`${sw.toString(16).toUpperCase()} is ${name}`, () => {
      assert.equal(SW[name], sw);
      const d = describeSw(sw);
      assert.equal(d.sw, sw);
      assert.equal(d.name, name);
      assert.ok(d.meaning.length > 10);
    });
  }

  it('gives each value one name, and families their base value', () => {
    const values = Object.values(SW);
    assert.equal(new Set(values).size, values.length);
    assert.equal(SW.BYTES_REMAINING, 0x6100);
    assert.equal(SW.COUNTER, 0x63c0);
    assert.equal(SW.WRONG_LE, 0x6c00);
    assert.ok(Object.isFrozen(SW));
  });

  it('describes 63CX with the counter', () => {
    const d = describeSw(0x63c2);
    assert.equal(d.name, 'COUNTER');
    assert.match(d.meaning, /\bCounter 2\b/);
    assert.match(describeSw(0x63c0).meaning, /\bCounter 0\b/);
  });

  it('describes 6CXX with the exact length (00 = 256)', () => {
    const d = describeSw(0x6c10);
    assert.equal(d.name, 'WRONG_LE');
    assert.match(d.meaning, /: 16$/);
    assert.match(describeSw(0x6c00).meaning, /: 256$/);
  });

  it('describes 61XX with the bytes still available (00 = 256)', () => {
    const d = describeSw(0x6105);
    assert.equal(d.name, 'BYTES_REMAINING');
    assert.match(d.meaning, /\b5 data byte/);
    assert.match(describeSw(0x6100).meaning, /\b256 data byte/);
  });

  it('names unknown values UNKNOWN, with the hex and what SW1 says', () => {
    const cases: readonly [number, RegExp][] = [
      [0x6a8b, /6A8B.*wrong parameters P1-P2/],
      [0x6287, /6287.*warning, state of non-volatile memory unchanged/],
      [0x63b1, /63B1.*warning, state of non-volatile memory changed/],
      [0x9f12, /9F12.*proprietary/],
      [0x6701, /6701: proprietary/],
      [0x0000, /0000.*not a valid status word/],
      [0x6012, /6012.*not a valid status word/],
    ];
    for (const [sw, pattern] of cases) {
      const d = describeSw(sw);
      assert.equal(d.name, 'UNKNOWN', sw.toString(16));
      assert.match(d.meaning, pattern);
    }
  });

  it('refuses values that are not 16-bit', () => {
    for (const sw of [-1, 0x10000, 1.5]) {
      assert.throws(() => describeSw(sw), (err: unknown) => err instanceof ApduError && err.code === 'ERR_APDU_SW_INVALID');
    }
  });
});

describe('StatusWordError', () => {
  it('carries the status word and a stable code', () => {
    const err = new StatusWordError(SW.SECURITY_STATUS_NOT_SATISFIED);
    assert.ok(err instanceof JpkiMobileError);
    assert.equal(err.code, 'ERR_APDU_STATUS');
    assert.equal(err.sw, 0x6982);
    assert.equal(err.name, 'StatusWordError');
    assert.equal(err.triesLeft, undefined);
    assert.ok(hasCode(err, 'ERR_APDU_STATUS'));
  });

  it('reads the tries left from 63CX', () => {
    assert.equal(new StatusWordError(0x63c2).triesLeft, 2);
    assert.equal(new StatusWordError(0x63c0).triesLeft, 0);
  });

  it('refuses a value a card cannot send', () => {
    assert.throws(() => new StatusWordError(0x6000), (err: unknown) => err instanceof ApduError && err.code === 'ERR_APDU_SW_INVALID');
  });

  it('throwSw is how an applet answers with a status word', () => {
    assert.throws(
      () => throwSw(SW.CONDITIONS_NOT_SATISFIED),
      (err: unknown) => err instanceof StatusWordError && err.sw === 0x6985 && err.code === 'ERR_APDU_STATUS',
    );
    assert.throws(() => throwSw(0x5000), (err: unknown) => err instanceof ApduError && err.code === 'ERR_APDU_SW_INVALID');
  });

  it('expectSuccess returns the data of 9000 and throws for anything else', () => {
    assert.equal(toHex(expectSuccess(parseResponse(hex`0102 9000`))), '0102');
    for (const sw of [0x6a82, 0x63c1, 0x6105, 0x6310, 0x6200]) {
      assert.throws(
        () => expectSuccess(response(hex`AA`, sw)),
        (err: unknown) => err instanceof StatusWordError && err.sw === sw,
        sw.toString(16),
      );
    }
  });
});
