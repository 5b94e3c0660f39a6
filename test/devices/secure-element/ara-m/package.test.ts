import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatusWordError } from '../../../../src/apdu/index.js';
import { bytesEqual, concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  AraError,
  ARA_M_AID,
  ARA_M_MODULE,
  ARA_M_MODULE_AID,
  ARA_M_PACKAGE,
  ARA_M_PACKAGE_AID,
  encodeStoreCommand,
  initialAraMData,
  parseAraMData,
} from '../../../../src/devices/secure-element/ara-m/index.js';
import { fromRoot } from '../../../helpers/paths.js';
import { storeData, TestElement } from './harness.js';

describe('ARA-M load file', () => {
  it('names the package, module and instance AIDs apart, within 5..16 bytes', () => {
    assert.equal(toHex(ARA_M_AID), 'A00000015141434C00');
    assert.equal(toHex(ARA_M_PACKAGE_AID), 'A00000015141434C');
    assert.equal(toHex(ARA_M_MODULE_AID), 'A00000015141434C01');
    const aids = [ARA_M_AID, ARA_M_PACKAGE_AID, ARA_M_MODULE_AID];
    for (const a of aids) assert.ok(a.length >= 5 && a.length <= 16);
    for (const [i, a] of aids.entries()) for (const b of aids.slice(i + 1)) assert.ok(!bytesEqual(a, b));
    assert.deepEqual([ARA_M_PACKAGE.aid, ARA_M_PACKAGE.version, ARA_M_PACKAGE.modules.length], [ARA_M_PACKAGE_AID, [1, 0], 1]);
    assert.equal(ARA_M_PACKAGE.modules[0]!.aid, ARA_M_MODULE_AID);
  });

  it('creates an instance with no rules from empty install parameters, and refuses others (6A80)', () => {
    assert.deepEqual(ARA_M_MODULE.initialData(new Uint8Array(0)), initialAraMData());
    assert.throws(
      () => ARA_M_MODULE.initialData(fromHex('00')),
      (err: unknown) => err instanceof StatusWordError && err.sw === 0x6a80,
    );
  });

  it('refuses to run over a document that is not an ARA-M\'s (ERR_ARA_STATE)', () => {
    assert.throws(() => parseAraMData(null), (err: unknown) => err instanceof AraError && err.code === 'ERR_ARA_STATE');
    const bad = [
      { format: 'ara-m/2', rules: [], refreshTag: '0000000000000000' },
      { format: 'ara-m/1', rules: [], refreshTag: '00' },
      { format: 'ara-m/1', rules: ['E2'], refreshTag: '0000000000000000' },
      { format: 'ara-m/1', rules: ['E206E1044F00C100'], refreshTag: '0000000000000000' },
      // Not canonical (C1 before 4F): a rule the applet would not have written.
      { format: 'ara-m/1', rules: ['E20BE104C1004F00E303D00101'], refreshTag: '0000000000000000' },
      { format: 'ara-m/1', rules: ['E20BE1044F00C100E303D00101'], refreshTag: 'not hex' },
      { format: 'ara-m/1', rules: ['E20BE1044F00C100E303D00101', 'E20BE1044F00C100E303D00100'], refreshTag: '0000000000000000' },
    ];
    for (const data of bad) {
      assert.throws(
        () => new TestElement({ data: data as never }),
        (err: unknown) => err instanceof AraError && err.code === 'ERR_ARA_STATE',
        JSON.stringify(data),
      );
    }
    assert.equal(parseAraMData({ format: 'ara-m/1', rules: ['E20BE1044F00C100E303D00101'], refreshTag: 'ABABABABABABABAB' }).rules.length, 1);
  });

  it('keeps the enforcer folder free of the applet, so the phone imports the rules model alone', () => {
    const folder = fromRoot('src', 'devices', 'secure-element', 'ara-m', 'ace');
    for (const name of readdirSync(folder)) {
      const source = readFileSync(`${folder}/${name}`, 'utf8');
      for (const m of source.matchAll(/from '([^']+)'/g)) {
        assert.ok(!/\/(applet|package|store-data|get-data|rule-store|state)\.js$/.test(m[1]!) && !m[1]!.endsWith('contract.js'), `${name} imports ${m[1]}`);
      }
    }
  });
});

describe('ARA-M robustness: any STORE DATA payload', () => {
  const ALLOWED = new Set([0x9000, 0x6381, 0x6382, 0x6a80, 0x6981, 0x6a88, 0x6a89, 0x6581, 0x6700]);
  const rule = fc.record({ aid: fc.uint8Array({ minLength: 5, maxLength: 6 }), nfc: fc.boolean() });
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 60 }),
    fc.constantFrom('F0', 'F1', 'F2', 'E2', 'F3').chain((tag) => fc.uint8Array({ maxLength: 40 }).map((b) => concat(fromHex(tag), Uint8Array.of(b.length), b))),
    fc.array(rule, { minLength: 1, maxLength: 3 }).map((rules) =>
      encodeStoreCommand({ kind: 'store', rules: rules.map((x) => ({ ref: { aid: { kind: 'aid', aid: x.aid }, hash: new Uint8Array(0) }, ar: { nfc: x.nfc ? 'always' : 'never' } })) }),
    ),
    rule.map((x) => encodeStoreCommand({ kind: 'delete', target: { kind: 'aid', aid: { kind: 'aid', aid: x.aid } } })),
    fc.constant(encodeStoreCommand({ kind: 'update-refresh-tag' })),
  );

  it('answers a SEAC status word and leaves a valid document whose tag moved exactly when the rules or F2 asked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 8 }), async (payloads) => {
        const se = new TestElement();
        for (const p of payloads) {
          const before = se.committed;
          const r = await se.personalize(storeData(p));
          assert.ok(ALLOWED.has(r.sw), r.sw.toString(16));
          parseAraMData(se.committed);
          const rulesChanged = JSON.stringify(before.rules) !== JSON.stringify(se.committed.rules);
          const tagChanged = before.refreshTag !== se.committed.refreshTag;
          const explicit = r.sw === 0x9000 && toHex(p) === 'F200';
          assert.equal(tagChanged, rulesChanged || explicit, toHex(p));
          if (r.sw >> 8 !== 0x90 && r.sw >> 8 !== 0x63) assert.deepEqual(se.committed, before);
        }
      }),
      { numRuns: 200 },
    );
  });
});
