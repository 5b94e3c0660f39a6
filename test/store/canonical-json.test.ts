import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, StoreError } from '../../src/store/index.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

describe('store: canonical JSON (RFC 8785 style)', () => {
  it('sorts keys by UTF-16 code units at every level and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: true }], '\u00e9': 'x', Z: -0 }), '{"Z":0,"a":[{"c":true,"d":null}],"b":1,"é":"x"}');
    // U+1F600 (surrogates D83D…) sorts before U+FF21 by code units, after it by code points.
    assert.equal(canonicalJson({ '\uFF21': 1, '\u{1F600}': 2 }), '{"😀":2,"Ａ":1}');
  });

  it('follows JSON.stringify for numbers, strings, toJSON and undefined members', () => {
    assert.equal(canonicalJson([1e21, 1e-7, 0.1, 123456789012345680000]), '[1e+21,1e-7,0.1,123456789012345680000]');
    assert.equal(canonicalJson('\u0000"\\\n\uD800'), '"\\u0000\\"\\\\\\n\\ud800"');
    assert.equal(canonicalJson({ at: new Date(Date.UTC(2026, 0, 1)), gone: undefined }), '{"at":"2026-01-01T00:00:00.000Z"}');
    assert.equal(canonicalJson(Object.assign(Object.create(null) as object, { k: 1 })), '{"k":1}');
  });

  it('refuses what JSON cannot carry', () => {
    const deep: unknown[] = [];
    let cursor = deep;
    for (let i = 0; i < 70; i++) cursor.push((cursor = []));
    for (const value of [undefined, Number.NaN, -Infinity, 1n, Symbol('s'), () => 0, new Set([1]), new (class Thing {})(), [undefined], deep]) {
      assert.throws(() => canonicalJson(value), isStore('ERR_STORE_AUDIT_PAYLOAD'));
    }
  });

  it('is stable: parsing and re-encoding gives the same text, equal to the value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        assert.equal(canonicalJson(JSON.parse(text)), text);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });
});
