import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCommand, parseCommand } from '../../src/apdu/index.js';
import { fromHex, toHex } from '../../src/bytes/index.js';
import { deriveSessionKeys, Scp03CardSession, Scp03HostSession, type CardKeyContext } from '../../src/crypto/index.js';
import { traces, type Trace } from './scp03-traces.js';

const KDD = new Uint8Array(10);

function cardContext(t: Trace): CardKeyContext {
  return { keys: t.keys, i: t.i, keyDiversificationData: KDD, sdAid: t.sdAid, sequenceCounter: t.sequenceCounter };
}

describe('SCP03 real-card sessions (pySim sysmoEUICC traces), host side', () => {
  for (const t of traces) {
    it(`${t.name}: produces every wrapped command byte for byte and unwraps the response`, () => {
      const host = new Scp03HostSession({ keys: t.keys, random: () => t.hostChallenge });
      assert.equal(toHex(encodeCommand(host.initializeUpdate())), t.raw.initializeUpdate);
      host.onInitializeUpdateResponse({ data: fromHex(t.raw.initializeUpdateResponse), sw: 0x9000 });
      assert.equal(host.state, 'challenged');
      assert.equal(toHex(encodeCommand(host.externalAuthenticate(t.level))), t.raw.externalAuthenticate);
      host.onExternalAuthenticateResponse({ data: new Uint8Array(0), sw: 0x9000 });
      assert.equal(host.state, 'open');

      const [getEid, ...cases] = t.plainCommands;
      assert.equal(toHex(encodeCommand(host.wrap(getEid!))), t.raw.getEid);
      const unwrapped = host.unwrap(t.wireGetEidResponse);
      assert.equal(toHex(unwrapped.data), toHex(t.plainGetEidResponse.data));
      assert.equal(unwrapped.sw, 0x9000);
      cases.forEach((c, n) => assert.equal(toHex(encodeCommand(host.wrap(c))), t.raw.cases[n], `case ${n + 1}`));
      assert.equal(host.counter, 5);
    });
  }

  it('derives the published session keys', () => {
    for (const t of traces) {
      const cc = fromHex(t.raw.initializeUpdateResponse).subarray(13, 21);
      const s = deriveSessionKeys(t.keys, t.hostChallenge, cc);
      for (const [name, value] of Object.entries(t.raw.sessionKeys)) {
        assert.equal(toHex(s[name as 'sEnc']), value, `${t.name} ${name}`);
      }
    }
  });
});

describe('SCP03 real-card sessions, card side', () => {
  for (const t of traces) {
    it(`${t.name}: same challenge and cryptogram, accepts every command, produces the exact response`, () => {
      const card = new Scp03CardSession();
      const iu = card.initializeUpdate(parseCommand(fromHex(t.raw.initializeUpdate)), cardContext(t));
      assert.equal(toHex(iu.data), t.raw.initializeUpdateResponse);
      assert.equal(iu.sw, 0x9000);
      const ea = card.externalAuthenticate(parseCommand(fromHex(t.raw.externalAuthenticate)));
      assert.equal(ea.sw, 0x9000);
      assert.equal(ea.data.length, 0, 'no R-MAC on the EXTERNAL AUTHENTICATE response');
      assert.equal(card.level, t.level);

      t.wireCommands.forEach((wire, n) => {
        const plain = card.unwrapCommand(wire);
        assert.equal(toHex(encodeCommand(plain)), toHex(encodeCommand(t.plainCommands[n]!)), `command ${n}`);
        if (n === 0) {
          const protectedResponse = card.wrapResponse(t.plainGetEidResponse);
          assert.equal(toHex(protectedResponse.data), t.raw.getEidResponse);
        }
      });
      assert.equal(card.state, 'open');
    });
  }
});
