import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { StatusWordError } from '../../src/apdu/index.js';
import { fromHex } from '../../src/bytes/index.js';
import { hasCode } from '../../src/errors/index.js';
import { JpkiApClient, JpkiApError, sha256DigestInfo, traced, type ApduTransport, type TraceLine } from '../../src/transports/index.js';
import { PASSWORD, PIN, poweredCard } from '../devices/id-card/helpers.js';

/** The JPKI-AP client over the real Individual Number Card, in process (no reader in between). */
async function setup() {
  const { card, store } = await poweredCard();
  const lines: TraceLine[] = [];
  const transport: ApduTransport = traced({ transmit: (c) => card.transmit(c) }, (l) => lines.push(l));
  return { card, store, client: new JpkiApClient(transport), lines };
}

const DATA = new TextEncoder().encode('phone-issuance application');

function verifies(cert: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'pem' }));
  return verifySignature('sha256', data, key, signature);
}

describe('JPKI-AP client over the Individual Number Card', () => {
  it('reads the token label and the three public certificates as the card holds them', async () => {
    const { client, card, lines } = await setup();
    assert.equal(await client.tokenLabel(), 'JPKIAPICCTOKEN2');
    const files = card.state.jpki.files as unknown as Record<string, string>;
    assert.deepEqual(await client.readCertificate('auth'), fromHex(files['000A']!));
    assert.deepEqual(await client.readCertificate('authCa'), fromHex(files['000B']!));
    assert.deepEqual(await client.readCertificate('signCa'), fromHex(files['0002']!));
    assert.equal(lines.filter((l) => l.command.startsWith('00A40404')).length, 0);
    assert.equal(lines.filter((l) => l.command.startsWith('00A4040C')).length, 1, 'the AP is selected once');
    const afterSelect = lines.findIndex((l) => l.command === '00A4020C02000A');
    assert.deepEqual(
      lines.slice(afterSelect + 1, afterSelect + 3).map((l) => l.command.slice(0, 8)),
      ['00B00000', '00B00004'],
      'the 4-byte header, then the rest from offset 4',
    );
    assert.equal(lines[afterSelect + 1]!.command, '00B0000004');
  });

  it('needs the password for the signature certificate (6982 before, the certificate after)', async () => {
    const { client, card } = await setup();
    await assert.rejects(client.readCertificate('sign'), (e) => e instanceof StatusWordError && e.sw === 0x6982);
    await client.verify('password', PASSWORD.toLowerCase()); // upper-cased by the client, as jpki/myna does
    const files = card.state.jpki.files as unknown as Record<string, string>;
    assert.deepEqual(await client.readCertificate('sign'), fromHex(files['0001']!));
  });

  it('reports tries left, counts wrong values down, and never sends a malformed one', async () => {
    const { client, lines } = await setup();
    assert.equal(await client.triesLeft('pin'), 3);
    assert.equal(await client.triesLeft('password'), 5);
    await assert.rejects(client.verify('pin', '0000'), (e) => e instanceof JpkiApError && e.code === 'ERR_JPKI_AP_PIN_INCORRECT' && e.triesLeft === 2 && e.sw === 0x63c2);
    assert.equal(await client.triesLeft('pin'), 2);
    for (const bad of ['123', '12345', 'abcd']) await assert.rejects(client.verify('pin', bad), (e) => hasCode(e, 'ERR_JPKI_AP_PIN_FORMAT'));
    await assert.rejects(client.verify('password', 'AB-123'), (e) => hasCode(e, 'ERR_JPKI_AP_PIN_FORMAT'));
    assert.equal(await client.triesLeft('pin'), 2, 'malformed values cost nothing');
    await client.verify('pin', PIN);
    assert.equal(await client.triesLeft('pin'), undefined, '9000: verified in this session');
    assert.ok(lines.every((l) => !l.command.includes('31323334') && !l.command.includes('30303030')), 'the trace never shows a PIN');
  });

  it('blocks the PIN after three wrong values: 63C0 on the third, 6984 afterwards, tries left 0', async () => {
    const { client } = await setup();
    await assert.rejects(client.verify('pin', '1111'), (e) => e instanceof JpkiApError && e.triesLeft === 2);
    await assert.rejects(client.verify('pin', '2222'), (e) => e instanceof JpkiApError && e.triesLeft === 1);
    await assert.rejects(client.verify('pin', '3333'), (e) => e instanceof JpkiApError && e.code === 'ERR_JPKI_AP_PIN_INCORRECT' && e.triesLeft === 0);
    await assert.rejects(client.verify('pin', PIN), (e) => e instanceof JpkiApError && e.code === 'ERR_JPKI_AP_PIN_BLOCKED' && e.sw === 0x6984);
    assert.equal(await client.triesLeft('pin'), 0);
  });

  it('signs with the user-authentication key after the PIN and the signature key after the password', async () => {
    const { client } = await setup();
    await assert.rejects(client.signSha256('auth', DATA), (e) => e instanceof StatusWordError && e.sw === 0x6982);
    await client.verify('pin', PIN);
    const authSig = await client.signSha256('auth', DATA);
    assert.equal(authSig.length, 256);
    assert.ok(verifies(await client.readCertificate('auth'), DATA, authSig));
    await assert.rejects(client.sign('sign', sha256DigestInfo(DATA)), (e) => e instanceof StatusWordError && e.sw === 0x6982);
    await client.verify('password', PASSWORD);
    const signSig = await client.sign('sign', sha256DigestInfo(DATA));
    assert.ok(verifies(await client.readCertificate('sign'), DATA, signSig));
    await assert.rejects(client.sign('auth', new Uint8Array(0)), (e) => hasCode(e, 'ERR_JPKI_AP_SIGN_INPUT'));
    await assert.rejects(client.sign('auth', new Uint8Array(246)), (e) => hasCode(e, 'ERR_JPKI_AP_SIGN_INPUT'));
  });

  it('loses verification with a card reset; forgetSession selects the AP again', async () => {
    const { client, card } = await setup();
    await client.verify('pin', PIN);
    await card.reset();
    await assert.rejects(client.signSha256('auth', DATA), (e) => e instanceof StatusWordError);
    client.forgetSession();
    await assert.rejects(client.signSha256('auth', DATA), (e) => e instanceof StatusWordError && e.sw === 0x6982);
    await client.verify('pin', PIN);
    assert.equal((await client.signSha256('auth', DATA)).length, 256);
  });

  it('changes the PIN after verifying it', async () => {
    const { client } = await setup();
    await client.verify('pin', PIN);
    await client.change('pin', '9876');
    client.forgetSession();
    await assert.rejects(client.verify('pin', PIN), (e) => hasCode(e, 'ERR_JPKI_AP_PIN_INCORRECT'));
    await client.verify('pin', '9876');
  });
});
