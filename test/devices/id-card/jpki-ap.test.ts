import assert from 'node:assert/strict';
import { constants, createHash, publicDecrypt, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { EF, IdCard, TOKEN_LABEL_CARD, tokenLabel, type IdCardState } from '../../../src/devices/id-card/index.js';
import { parseCertificate } from '../../../src/pki/x509/index.js';
import { SELECT_AP, SHA256_DIGEST_INFO_PREFIX, dataOf, issuedState, PASSWORD, PIN, poweredCard, selectEf, send, swOf, verifyApdu, changeApdu } from './helpers.js';

function certOf(state: IdCardState, fid: '0001' | '0002' | '000A' | '000B'): Uint8Array {
  return fromHex(state.jpki.files[fid]);
}

function spkiKey(cert: Uint8Array) {
  return { key: Buffer.from(parseCertificate(cert).subjectPublicKeyInfo), format: 'der' as const, type: 'spki' as const };
}

/** Sends each APDU in turn and checks each answer exactly (hex), or its status word when the expectation has 4 digits and the answer carries data. */
async function exchange(card: IdCard, pairs: [string, string][]): Promise<string[]> {
  const out: string[] = [];
  for (const [command, expected] of pairs) {
    const r = await send(card, command.replace(/\s/g, ''));
    out.push(r);
    if (expected.length === 4) assert.equal(swOf(r), expected, `${command} -> ${r.slice(0, 40)}`);
    else assert.equal(r, expected.replace(/\s/g, ''), command);
  }
  return out;
}

/** OpenSC 0.23 reading one certificate: 4-byte header, then 256-byte chunks with Le 00 (jpki-ap.md 6.3). */
async function openscReadCertificate(card: IdCard, fid: string): Promise<Uint8Array> {
  assert.equal(await send(card, selectEf(fid)), '9000');
  const header = await send(card, '00B0000004');
  assert.equal(swOf(header), '9000');
  const head = dataOf(header);
  assert.equal(head.length, 4);
  assert.equal(toHex(head.subarray(0, 2)), '3082');
  const size = head[2]! * 256 + head[3]! + 4;
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < size; offset += 256) {
    const le = size - offset >= 256 ? '00' : toHex(Uint8Array.of(size - offset));
    const r = await send(card, `00B0${toHex(Uint8Array.of(offset >> 8, offset & 0xff))}${le}`);
    assert.equal(swOf(r), '9000');
    chunks.push(dataOf(r));
  }
  return Buffer.concat(chunks);
}

const PROBES = [
  '00A4040007627601FF000000',
  '00A4040006A00000000101',
  '00A404000BE82B0601040181C31F020100',
  '00A4040C0FD23300000045737445494420763335',
  '00A4040009A0000003080000100000',
  '00A4040009A0000003080000100000',
  '00A4040C07A000000116DB0000',
  '00A4040C07A000000079100000',
  ...Array.from({ length: 16 }, (_, i) => `00A4040C07A00000007901${toHex(Uint8Array.of(i))}00`),
  '00A404000CF276A288BCFBA69D34F31001',
  '00A4040009A0000003974254465900',
  '00A4040006D2760001240100',
];

describe('Individual Number Card: identification (jpki-ap.md 1.1, 6.2)', () => {
  it('answers power-on and reset with the ATR of OpenSC\'s table', async () => {
    const { card } = await poweredCard();
    assert.equal(toHex(card.atr), '3BE000FF8131FE4514');
    assert.equal(toHex(await card.reset()), '3BE000FF8131FE4514');
    await card.powerOff();
    assert.equal(card.powered, false);
    assert.equal(toHex(await card.powerOn()), '3BE000FF8131FE4514');
  });

  it('answers 6A82 to every probe SELECT of the drivers before jpki, 6D00 to their GET DATA, and then selects the AP', async () => {
    const { card } = await poweredCard();
    for (const probe of PROBES) assert.equal(await send(card, probe), '6A82', probe);
    assert.equal(await send(card, '00CADF3005'), '6D00');
    assert.equal(await send(card, '00CB3FFF035C017E08'), '6D00');
    assert.equal(await send(card, SELECT_AP), '9000');
    assert.equal(await send(card, '00A404000AD392F000260100000001'), '9000', 'P2 00: no FCI, still 9000');
    assert.equal(await send(card, '00CADF3005'), '6D00', 'unknown INS inside the AP');
  });

  it('keeps the AP and its security state when a probe SELECT fails', async () => {
    const { card } = await poweredCard();
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0018'), '9000'], [verifyApdu(PIN), '9000']]);
    assert.equal(await send(card, PROBES[0]!), '6A82');
    await exchange(card, [[selectEf('0017'), '9000'], [`802A008001AA00`, '9000']]);
  });

  it('has EF 0006 with the JPKIAPICCTOKEN2 label (160 bytes) and EF 0008 = 8F 8F 00', async () => {
    const { card } = await poweredCard();
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0006'), '9000']]);
    const label = await send(card, '00B0000020');
    assert.equal(label, toHex(new TextEncoder().encode('JPKIAPICCTOKEN2'.padEnd(32, ' '))) + '9000');
    const all = await send(card, '00B0000000');
    assert.equal(dataOf(all).length, 160);
    assert.equal(tokenLabel(dataOf(all)), TOKEN_LABEL_CARD);
    assert.equal(toHex(dataOf(all).subarray(140, 144)), '30333031', 'hardware "03", firmware "01"');
    await exchange(card, [[selectEf('0008'), '9000'], ['00B0000000', '8F8F009000'], ['00B0000003', '8F8F009000'], ['00B0000102', '8F009000']]);
  });
});

describe('Individual Number Card: the exact OpenSC 0.23 sequences (jpki-ap.md 6.3)', () => {
  it('PKCS#15 bind: SELECT AP, then the retry queries of 0018 and 001B answer 63C3 and 63C5', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      ['00 A4 04 0C 0A D392F000260100000001', '9000'],
      ['00 A4 02 0C 02 0018', '9000'],
      ['00 20 00 80', '63C3'],
      ['00 A4 02 0C 02 001B', '9000'],
      ['00 20 00 80', '63C5'],
    ]);
  });

  it('pkcs15-tool -c: reads 000A, 000B, 0002 in 256-byte chunks; 0001 answers 6982 before the password', async () => {
    const { card } = await poweredCard();
    const state = card.state;
    assert.equal(await send(card, SELECT_AP), '9000');
    for (const fid of ['000A', '000B', '0002'] as const) {
      assert.equal(toHex(await openscReadCertificate(card, fid)), toHex(certOf(state, fid)), fid);
    }
    await exchange(card, [[selectEf('0001'), '9000'], ['00B0000004', '6982'], ['00B0000000', '6982']]);
  });

  it('reads the certificates the jpki/myna way too: 7-byte header, Le 00 while more than 255 bytes remain, then exact', async () => {
    const { card } = await poweredCard();
    const cert = certOf(card.state, '000A');
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('000A'), '9000']]);
    const parts = [dataOf(await send(card, '00B0000007'))];
    let offset = 7;
    while (offset < cert.length) {
      const left = cert.length - offset;
      const le = left > 255 ? '00' : toHex(Uint8Array.of(left));
      const r = await send(card, `00B0${toHex(Uint8Array.of(offset >> 8, offset & 0xff))}${le}`);
      assert.equal(swOf(r), '9000');
      parts.push(dataOf(r));
      offset += dataOf(r).length;
    }
    assert.equal(toHex(Buffer.concat(parts)), toHex(cert));
  });

  it('pkcs11-tool --slot 0 --login --pin 1234 --sign --id 01: queries, VERIFY, set env on 0017, sign; the signature verifies with 000A', async () => {
    const { card } = await poweredCard();
    const message = new TextEncoder().encode('data signed on the user-authentication slot');
    const digest = createHash('sha256').update(message).digest('hex').toUpperCase();
    const out = await exchange(card, [
      [SELECT_AP, '9000'],
      ['00 A4 02 0C 02 0018', '9000'],
      ['00 20 00 80', '63C3'],
      ['00 A4 02 0C 02 0018', '9000'],
      ['00 20 00 80', '63C3'],
      ['00 A4 02 0C 02 0018', '9000'],
      ['00 20 00 80 04 31323334', '9000'],
      ['00 A4 02 0C 02 0017', '9000'],
      [`80 2A 00 80 33 ${SHA256_DIGEST_INFO_PREFIX} ${digest} 00`, '9000'],
    ]);
    const signature = dataOf(out.at(-1)!);
    assert.equal(signature.length, 256);
    assert.ok(verify('sha256', message, spkiKey(certOf(card.state, '000A')), signature));
  });

  it('pkcs11-tool --slot 1 --id 02: the password VERIFYed twice with an empty VERIFY between, then sign on 001A; verifies with 0001', async () => {
    const { card } = await poweredCard();
    const message = new TextEncoder().encode('申請書 signed on the digital-signature slot');
    const digest = createHash('sha256').update(message).digest('hex').toUpperCase();
    const pw = toHex(new TextEncoder().encode(PASSWORD));
    const out = await exchange(card, [
      [SELECT_AP, '9000'],
      ['00 A4 02 0C 02 001B', '9000'],
      ['00 20 00 80', '63C5'],
      ['00 A4 02 0C 02 001B', '9000'],
      ['00 20 00 80', '63C5'],
      ['00 A4 02 0C 02 001B', '9000'],
      [`00 20 00 80 06 ${pw}`, '9000'],
      ['00 A4 02 0C 02 001A', '9000'],
      ['00 A4 02 0C 02 001B', '9000'],
      ['00 20 00 80', '9000'],
      ['00 A4 02 0C 02 001B', '9000'],
      [`00 20 00 80 06 ${pw}`, '9000'],
      ['00 A4 02 0C 02 001A', '9000'],
      [`80 2A 00 80 33 ${SHA256_DIGEST_INFO_PREFIX} ${digest} 00`, '9000'],
    ]);
    const signature = dataOf(out.at(-1)!);
    assert.equal(signature.length, 256);
    assert.ok(verify('sha256', message, spkiKey(certOf(card.state, '0001')), signature));
    assert.ok(!verify('sha256', message, spkiKey(certOf(card.state, '000A')), signature), 'not the authentication key');
    // After the password, OpenSC (via PKCS#11) can read the signature certificate.
    assert.equal(toHex(await openscReadCertificate(card, '0001')), toHex(certOf(card.state, '0001')));
  });

  it('wrong PIN: 00 20 00 80 04 39393939 answers 63C2', async () => {
    const { card } = await poweredCard();
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0018'), '9000'], ['00 20 00 80 04 39393939', '63C2']]);
  });
});

describe('Individual Number Card: commands and status words', () => {
  it('SELECT by FID: real P1/P2 only, Nc = 2, unknown FID 6A82 leaving the current EF', async () => {
    const { card } = await poweredCard();
    const token = card.state.jpki.files[EF.TOKEN_INFO].slice(0, 8);
    await exchange(card, [
      [selectEf('0006'), '6A82'],
      ['00B0000004', '6D00'],
      [SELECT_AP, '9000'],
      ['00B0000004', '6986'],
      [selectEf('0006'), '9000'],
      [selectEf('0099'), '6A82'],
      [selectEf('0005'), '6A82'],
      ['00B0000004', token + '9000'],
      ['00A4020002000A', '6A86'],
      ['00A4010C02000A', '6A86'],
      ['00A4000C02000A', '6A86'],
      ['00A4080C02000A', '6A86'],
      ['00A4020C0100', '6700'],
      ['00A4020C03000A00', '6700'],
      ['00A4020C', '6700'],
      ['00A4020C02000A00', '9000'],
    ]);
  });

  it('SELECT by AID: P2 next-occurrence and RFU bits 6A86, an over-long DF name 6700, the AID truncated 6A82', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      ['00A4040E0AD392F000260100000001', '6A86'],
      ['00A404100AD392F000260100000001', '6A86'],
      [`00A4040C11${'00'.repeat(17)}`, '6700'],
      ['00A4040C09D392F0002601000000', '6A82'],
      ['00A4040C00', '6A82'],
      ['00A4040C', '6A82'],
    ]);
  });

  it('READ BINARY: Le 00 = 256, min(Le, left), 15-bit offsets, offset at or past the end 6B00, extended Le', async () => {
    const { card } = await poweredCard();
    const cert = certOf(card.state, '000B');
    const n = cert.length;
    const at = (o: number) => toHex(Uint8Array.of(o >> 8, o & 0xff));
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('000B'), '9000']]);
    assert.equal(await send(card, '00B0000000'), toHex(cert.subarray(0, 256)) + '9000');
    assert.equal(await send(card, '00B0000101'), toHex(cert.subarray(1, 2)) + '9000');
    assert.equal(await send(card, `00B0${at(n - 10)}00`), toHex(cert.subarray(n - 10)) + '9000');
    assert.equal(await send(card, `00B0${at(n - 1)}FF`), toHex(cert.subarray(n - 1)) + '9000');
    assert.equal(await send(card, `00B0${at(n)}01`), '6B00');
    assert.equal(await send(card, '00B07FFF01'), '6B00');
    assert.equal(await send(card, '00B0000000FFFF'), toHex(cert) + '9000', 'extended Le 65535');
    assert.equal(await send(card, '00B0000000'.slice(0, 8) + '000000'), toHex(cert) + '9000', 'extended Le 0000 = 65536');
    await exchange(card, [
      ['00B0800000', '6A86'],
      ['00B08A0000', '6A86'],
      ['00B00000', '6700'],
      ['00B000000100', '6700'],
      ['00B00000010000', '6700'],
    ]);
  });

  it('READ BINARY on keys and PINs is 6981; on 0001 it needs the password (6982)', async () => {
    const { card } = await poweredCard();
    await exchange(card, [[SELECT_AP, '9000']]);
    for (const fid of ['0017', '001A', '0018', '001B']) await exchange(card, [[selectEf(fid), '9000'], ['00B0000004', '6981']]);
    await exchange(card, [[selectEf('0018'), '9000'], [verifyApdu(PIN), '9000'], [selectEf('0001'), '9000'], ['00B0000004', '6982']]);
    await exchange(card, [[selectEf('001B'), '9000'], [verifyApdu(PASSWORD), '9000'], [selectEf('0001'), '9000']]);
    assert.equal(await send(card, '00B0000004'), card.state.jpki.files['0001'].slice(0, 8) + '9000');
  });

  it('wrong CLA 6E00, unknown INS 6D00, another logical channel 6881', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      [SELECT_AP, '9000'],
      [selectEf('000A'), '9000'],
      ['80B0000004', '6E00'],
      ['0CB0000004', '6E00'],
      ['10B0000004', '6E00'],
      ['FFB0000004', '6E00'],
      ['20B0000004', '6E00'],
      ['84A4020C02000A', '6E00'],
      ['0CA4040C0AD392F000260100000001', '6E00'],
      ['10A4040C0AD392F000260100000001', '6E00'],
      ['80A4040C0AD392F000260100000001', '6E00'],
      ['002A0080010000', '6E00'],
      ['80200080', '6E00'],
      ['01B0000004', '6881'],
      ['41B0000004', '6881'],
      ['0070000001', '6881'],
      ['00CA010100', '6D00'],
      ['0084000008', '6D00'],
      ['002241B6', '6D00'],
      ['00C0000000', '6D00'],
      ['00B1000000', '6D00'],
      ['000E000000', '6D00'],
      ['802C000000', '6D00'],
    ]);
  });

  it('malformed APDUs answer 6700', async () => {
    const { card } = await poweredCard();
    for (const bad of ['', '00', '00A4', '00A404', '00A4040C0AD392', '00A4040C0AD392F0002601000000010000', '00B000000001', '00B0000000000001']) {
      assert.equal(await send(card, bad), '6700', bad);
    }
  });

  it('the signing command: 1..245 bytes PKCS#1 type-1 padded, 256 bytes back; wrong P1/P2 6A86; bad lengths 6700; no key EF 6986/6981', async () => {
    const { card } = await poweredCard();
    const auth = spkiKey(certOf(card.state, '000A'));
    await exchange(card, [[SELECT_AP, '9000'], ['802A0080010100', '6986'], [selectEf('000A'), '9000'], ['802A0080010100', '6981']]);
    await exchange(card, [[selectEf('0018'), '9000'], [verifyApdu(PIN), '9000'], [selectEf('0017'), '9000']]);
    for (const len of [1, 51, 245]) {
      const input = Uint8Array.from({ length: len }, (_, i) => (i * 7 + 1) & 0xff);
      const r = await send(card, `802A0080${toHex(Uint8Array.of(len))}${toHex(input)}00`);
      assert.equal(swOf(r), '9000');
      assert.equal(dataOf(r).length, 256);
      const recovered = publicDecrypt({ ...auth, padding: constants.RSA_PKCS1_PADDING }, dataOf(r));
      assert.equal(toHex(recovered), toHex(input), `${len} bytes`);
    }
    await exchange(card, [
      [`802A0080F6${'00'.repeat(246)}00`, '6700'],
      ['802A008000', '6700'],
      ['802A0080', '6700'],
      ['802A0080010100', '9000'],
      ['802A00800101', '6700'],
      ['802A0080010180', '6700'],
      ['802A0081010100', '6A86'],
      ['802A0180010100', '6A86'],
      ['802A009A010100', '6A86'],
      ['802A0080000001010100', '9000'],
    ]);
  });

  it('signing needs the right PIN: 0017 the PIN, 001A the password (6982 otherwise)', async () => {
    const { card } = await poweredCard();
    await exchange(card, [[SELECT_AP, '9000']]);
    await exchange(card, [[selectEf('0017'), '9000'], ['802A0080010100', '6982'], [selectEf('001A'), '9000'], ['802A0080010100', '6982']]);
    await exchange(card, [[selectEf('0018'), '9000'], [verifyApdu(PIN), '9000']]);
    await exchange(card, [[selectEf('001A'), '9000'], ['802A0080010100', '6982'], [selectEf('0017'), '9000'], ['802A0080010100', '9000']]);
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('001B'), '9000'], [verifyApdu(PASSWORD), '9000']]);
    await exchange(card, [[selectEf('0017'), '9000'], ['802A0080010100', '6982'], [selectEf('001A'), '9000'], ['802A0080010100', '9000']]);
  });

  it('verification is cleared on re-selecting the AP, on reset and on power-off', async () => {
    const { card } = await poweredCard();
    const login: [string, string][] = [[SELECT_AP, '9000'], [selectEf('0018'), '9000'], [verifyApdu(PIN), '9000'], [selectEf('0017'), '9000'], ['802A0080010100', '9000']];
    await exchange(card, login);
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0017'), '9000'], ['802A0080010100', '6982'], [selectEf('0018'), '9000'], ['00200080', '63C3']]);
    await exchange(card, login);
    await card.reset();
    await exchange(card, [[selectEf('0017'), '6A82'], [SELECT_AP, '9000'], [selectEf('0017'), '9000'], ['802A0080010100', '6982']]);
    await exchange(card, login);
    await card.powerOff();
    await assert.rejects(card.transmit(fromHex(SELECT_AP)), { code: 'ERR_CARD_POWERED_OFF' });
    await card.powerOn();
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0017'), '9000'], ['802A0080010100', '6982']]);
  });

  it('VERIFY: 63C2, 63C1, 63C0, then 6984; the retry query says 63C0 when blocked; a correct value then still 6984', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      [SELECT_AP, '9000'],
      ['00200080', '6986'],
      [selectEf('000A'), '9000'],
      ['00200080', '6981'],
      [selectEf('0018'), '9000'],
      ['0020008104' + '31323334', '6A86'],
      ['0020018004' + '31323334', '6A86'],
      ['00200080', '63C3'],
      [verifyApdu('0000'), '63C2'],
      [verifyApdu('12345'), '63C1'],
      ['00200080', '63C1'],
      [verifyApdu('9999'), '63C0'],
      ['00200080', '63C0'],
      [verifyApdu('9999'), '6984'],
      [verifyApdu(PIN), '6984'],
      ['00200080', '63C0'],
    ]);
    assert.equal(card.state.jpki.files['0018'].triesLeft, 0);
  });

  it('VERIFY: a correct value resets the counter; the password has 5 tries', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      [SELECT_AP, '9000'],
      [selectEf('001B'), '9000'],
      [verifyApdu('WRONG1'), '63C4'],
      [verifyApdu('abc123'), '63C3'],
      [verifyApdu(PASSWORD), '9000'],
      ['00200080', '9000'],
      [verifyApdu('WRONG1'), '63C4'],
      ['00200080', '63C4'],
      [verifyApdu(PASSWORD), '9000'],
      [SELECT_AP, '9000'],
      [selectEf('001B'), '9000'],
      ['00200080', '63C5'],
    ]);
  });

  it('CHANGE REFERENCE DATA: after VERIFY only; a malformed new value 6A80 without using a try; the new value works', async () => {
    const { card } = await poweredCard();
    await exchange(card, [
      [SELECT_AP, '9000'],
      [selectEf('0018'), '9000'],
      [changeApdu('5678'), '6982'],
      [verifyApdu(PIN), '9000'],
      ['0024008004' + '35363738', '6A86'],
      ['0024028004' + '35363738', '6A86'],
      ['00240181', '6A86'],
      ['00240180', '6700'],
      [changeApdu('567'), '6A80'],
      [changeApdu('56789'), '6A80'],
      [changeApdu('56a8'), '6A80'],
      [changeApdu('5678'), '9000'],
      [selectEf('0017'), '9000'],
      ['802A0080010100', '9000'],
      [SELECT_AP, '9000'],
      [selectEf('0018'), '9000'],
      ['00200080', '63C3'],
      [verifyApdu(PIN), '63C2'],
      [verifyApdu('5678'), '9000'],
      [selectEf('001B'), '9000'],
      [verifyApdu(PASSWORD), '9000'],
      [changeApdu('abcdef'), '6A80'],
      [changeApdu('ABCDE'), '6A80'],
      [changeApdu('ABCDEFGHIJKLMNOPQ'), '6A80'],
      [changeApdu('NEWPASSWORD2026'), '9000'],
      [SELECT_AP, '9000'],
      [selectEf('001B'), '9000'],
      ['00200080', '63C5'],
      [verifyApdu(PASSWORD), '63C4'],
      [verifyApdu('NEWPASSWORD2026'), '9000'],
      [selectEf('000A'), '9000'],
      [changeApdu('5678'), '6981'],
    ]);
  });

  it('logs every exchange redacted: VERIFY and CHANGE REFERENCE DATA data never appear', async () => {
    const lines: string[] = [];
    const { card } = await poweredCard({ logger: { apdu: (c, r) => lines.push(`${c} -> ${r}`), error: (m) => lines.push(`error ${m}`) } });
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0018'), '9000'], [verifyApdu(PIN), '9000'], [changeApdu('8642'), '9000'], [verifyApdu('8642'), '9000']]);
    const log = lines.join('\n');
    assert.match(log, /^00A4040C0AD392F000260100000001 -> 9000$/m);
    assert.match(log, /^0020008004<4 bytes redacted> -> 9000$/m);
    assert.match(log, /^0024018004<4 bytes redacted> -> 9000$/m);
    for (const secret of ['31323334', '38363432']) assert.ok(!log.includes(secret), secret);
  });

  it('a store that fails to save answers 6F00, logs it redacted, and leaves the counter as it was', async () => {
    const state = await issuedState();
    const errors: string[] = [];
    const card = new IdCard(state, { load: async () => state, save: async () => Promise.reject(new Error('disk full')) }, { logger: { error: (m, e) => errors.push(`${m}: ${(e as Error).message}`) } });
    await card.powerOn();
    await exchange(card, [[SELECT_AP, '9000'], [selectEf('0018'), '9000'], [verifyApdu(PIN), '6F00'], ['00200080', '63C3']]);
    assert.deepEqual(errors, ['unexpected failure on 0020008004<4 bytes redacted>: disk full']);
  });
});
