import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../../src/errors/index.js';
import { CRL_REASONS, crlReason, isCrlReasonCode, reasonByName, reasonName } from '../../../src/pki/revocation/index.js';

describe('CRLReason (RFC 5280 5.3.1)', () => {
  it('is the closed set of ten codes, 7 unused', () => {
    assert.deepEqual(
      CRL_REASONS.map((r) => [r.code, r.name]),
      [
        [0, 'unspecified'],
        [1, 'keyCompromise'],
        [2, 'cACompromise'],
        [3, 'affiliationChanged'],
        [4, 'superseded'],
        [5, 'cessationOfOperation'],
        [6, 'certificateHold'],
        [8, 'removeFromCRL'],
        [9, 'privilegeWithdrawn'],
        [10, 'aACompromise'],
      ],
    );
    assert.ok(Object.isFrozen(CRL_REASONS) && Object.isFrozen(CRL_REASONS[0]));
  });

  it('maps names and codes both ways', () => {
    for (const r of CRL_REASONS) {
      assert.equal(reasonByName(r.name).code, r.code);
      assert.equal(reasonName(r.code), r.name);
      assert.equal(crlReason(r.code), r);
      assert.ok(isCrlReasonCode(r.code));
    }
    assert.equal(reasonByName('keyCompromise').code, 1);
    assert.equal(reasonName(6), 'certificateHold');
  });

  it('carries the JPKI meanings of jpki-ap.md section 5', () => {
    assert.match(reasonByName('unspecified').jpkiMeaning, /discarded before delivery/);
    assert.match(reasonByName('keyCompromise').jpkiMeaning, /loss/);
    assert.match(reasonByName('affiliationChanged').jpkiMeaning, /basic-four/);
    assert.match(reasonByName('superseded').jpkiMeaning, /renewed/);
    assert.match(reasonByName('cessationOfOperation').jpkiMeaning, /holder request/);
    assert.match(reasonByName('certificateHold').jpkiMeaning, /suspension/);
  });

  it('rejects unknown names and values with ERR_CRL_REASON_UNKNOWN', () => {
    for (const name of ['', 'KeyCompromise', 'hold', 'toString', '__proto__']) {
      assert.throws(() => reasonByName(name), (e) => hasCode(e, 'ERR_CRL_REASON_UNKNOWN'), name);
    }
    for (const code of [7, 11, -1, 1.5, NaN, 255]) {
      assert.throws(() => reasonName(code), (e) => hasCode(e, 'ERR_CRL_REASON_UNKNOWN'), String(code));
      assert.equal(isCrlReasonCode(code), false);
    }
  });
});
