import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startJpki, writePem, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { openssl } from './support/openssl.js';
import { verifyChain } from './support/revocation.js';
import { World } from './support/world.js';

/**
 * Issue 3, "Done when" 1: the four end-entity profiles as openssl 3.0 reads certificates issued
 * through the HTTP API, the CA profile, and chains openssl accepts (jpki-ap.md 3.1-3.4).
 */

const PROJECT_ARC = '2.25.70623146399503318900969062166041881797';
const BASIC_FOUR = [
  '1.2.392.200149.8.5.5.1::山田\u3000太郎',
  '1.2.392.200149.8.5.5.4::419900102',
  '1.2.392.200149.8.5.5.3::1',
  '1.2.392.200149.8.5.5.5::東京都千代田区永田町1-7-1',
  '1.2.392.200149.8.5.5.2::00000',
  '1.2.392.200149.8.5.5.6::000000000000000',
].map((v) => `othername: ${v}`);

interface Expected {
  readonly name: string;
  readonly file: string;
  readonly hierarchy: 'sign' | 'auth';
  readonly policy: string;
  readonly keyUsage: string;
}

const EXPECTED: readonly Expected[] = [
  { name: 'card signature', file: 'card-sign.pem', hierarchy: 'sign', policy: '1.2.392.200149.8.5.1.1.20', keyUsage: 'Digital Signature, Non Repudiation' },
  { name: 'card authentication', file: 'card-auth.pem', hierarchy: 'auth', policy: '1.2.392.200149.8.5.1.3.30', keyUsage: 'Digital Signature' },
  { name: 'phone signature', file: 'phone-sign.pem', hierarchy: 'sign', policy: `${PROJECT_ARC}.1.2.20`, keyUsage: 'Digital Signature, Non Repudiation' },
  { name: 'phone authentication', file: 'phone-auth.pem', hierarchy: 'auth', policy: `${PROJECT_ARC}.1.2.30`, keyUsage: 'Digital Signature' },
];

const ISSUER = {
  sign: 'C = JP, O = JPKI-MOBILE, OU = JPKI for digital signature, OU = jpki-mobile emulation - not J-LIS',
  auth: 'C = JP, O = JPKI-MOBILE, OU = JPKI for user authentication, OU = jpki-mobile emulation - not J-LIS',
};

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function text(file: string): Promise<string> {
  const r = await openssl('x509', '-in', file, '-noout', '-text', '-nameopt', 'oneline,-esc_msb');
  assert.equal(r.code, 0, r.out);
  return r.stdout;
}

/** The extension headers of `openssl x509 -text`, in order, e.g. `X509v3 Key Usage: critical`. */
function extensionHeaders(t: string): string[] {
  const block = t.split('X509v3 extensions:\n')[1]!.split('    Signature Algorithm:')[0]!;
  return block.split('\n').filter((l) => /^ {12}\S/.test(l)).map((l) => l.trim());
}

function notAfter(t: string): Date {
  const m = /Not After : (.+ GMT)/.exec(t);
  assert.ok(m, 'a notAfter');
  return new Date(m[1]!);
}

/** The 5th birthday strictly after the JST date of `now` (jpki-ap.md 3.3), as YYYY-MM-DD. */
function fifthBirthdayAfter(now: Date, birth: string): string {
  const today = new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
  const monthDay = birth.slice(4);
  let year = Number(today.slice(0, 4));
  if (`${year}${monthDay}` <= today) year++;
  return `${year + 4}${monthDay}`;
}

forEachDialect('JPKI certificate profiles, read by openssl', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let ca: ReturnType<JpkiHarness['exportCa']>;
  let card: IssuedCard;
  let phone: IssuedPhone;
  const files: Record<string, string> = {};
  let issuedAt: Date;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
    ca = h.exportCa();
    issuedAt = new Date();
    card = await w.card();
    phone = await w.phone(card, 'SE-PROFILES-1');
    files['card-sign.pem'] = writePem(h, 'card-sign.pem', card.signCert);
    files['card-auth.pem'] = writePem(h, 'card-auth.pem', card.authCert);
    files['phone-sign.pem'] = writePem(h, 'phone-sign.pem', phone.signCert);
    files['phone-auth.pem'] = writePem(h, 'phone-auth.pem', phone.authCert);
  });
  after(async () => {
    await h?.stop();
  });

  for (const e of EXPECTED) {
    it(`${e.name}: openssl x509 -text shows the profile, and openssl verify accepts the chain`, async () => {
      const t = await text(files[e.file]!);
      const sign = e.hierarchy === 'sign';
      assert.match(t, /Version: 3 \(0x2\)/);
      assert.match(t, /Signature Algorithm: sha256WithRSAEncryption/);
      assert.match(t, /Public-Key: \(2048 bit\)/);
      assert.match(t, /Exponent: 65537 \(0x10001\)/);
      assert.match(t, new RegExp(`Issuer: ${escape(ISSUER[e.hierarchy])}\n`));
      assert.doesNotMatch(t, /Japan Agency for Local Authority Information Systems|地方公共団体情報システム機構/);
      assert.match(t, sign ? /Subject: C = JP, L = 東京都, L = 千代田区, CN = [0-9A-Z]{20}\n/ : /Subject: C = JP, CN = [0-9A-Z]{20}\n/);
      assert.deepEqual(extensionHeaders(t), [
        'X509v3 Key Usage: critical',
        'X509v3 Certificate Policies: critical',
        ...(sign ? ['X509v3 Subject Alternative Name:'] : []),
        'X509v3 Issuer Alternative Name:',
        'X509v3 CRL Distribution Points:',
        'Authority Information Access:',
        'X509v3 Authority Key Identifier:',
        'X509v3 Subject Key Identifier:',
      ]);
      assert.match(t, new RegExp(`X509v3 Key Usage: critical\n +${e.keyUsage}\n`));
      assert.match(t, new RegExp(`X509v3 Certificate Policies: critical\n +Policy: ${escape(e.policy)}\n +CPS: ${escape(h.url)}/cps\n`));
      if (sign) {
        const san = /X509v3 Subject Alternative Name: *\n +(.+)\n/.exec(t);
        assert.deepEqual(san?.[1]!.split(', '), BASIC_FOUR);
      } else {
        assert.doesNotMatch(t, /othername/i);
      }
      assert.match(t, /X509v3 Issuer Alternative Name: *\n +DirName:\/C=JP\/O=/);
      assert.match(t, new RegExp(`X509v3 CRL Distribution Points: *\n +Full Name:\n +URI:${escape(h.url)}/crl/${e.hierarchy}/1\\.crl\n`));
      assert.match(t, new RegExp(`Authority Information Access: *\n +OCSP - URI:${escape(h.url)}/ocsp/${e.hierarchy}\n`));
      const caSki = (await openssl('x509', '-in', ca[e.hierarchy], '-noout', '-ext', 'subjectKeyIdentifier')).stdout.trim().split('\n').pop()!.trim();
      assert.match(t, new RegExp(`X509v3 Authority Key Identifier: *\n +${caSki}\n`));
      assert.match(t, /Not After : \w{3} [ \d]\d 14:59:59 \d{4} GMT/);

      const right = await verifyChain(ca[e.hierarchy], files[e.file]!);
      assert.ok(right.ok, right.out);
      const wrong = await verifyChain(ca[sign ? 'auth' : 'sign'], files[e.file]!);
      assert.equal(wrong.ok, false, 'the other hierarchy does not verify it');
      // The policy OID tells card from phone certificates: openssl's policy check accepts this one only.
      const policy = await openssl('verify', '-x509_strict', '-CAfile', ca[e.hierarchy], '-policy', e.policy, '-explicit_policy', files[e.file]!);
      assert.equal(policy.code, 0, policy.out);
      const other = EXPECTED.find((x) => x.hierarchy === e.hierarchy && x.name !== e.name)!;
      const otherPolicy = await openssl('verify', '-CAfile', ca[e.hierarchy], '-policy', other.policy, '-explicit_policy', files[e.file]!);
      assert.notEqual(otherPolicy.code, 0, `${e.name} does not pass as ${other.name}`);
    });
  }

  it('the CA certificates follow the JPKI CA profile and are self-signed', async () => {
    for (const hierarchy of ['sign', 'auth'] as const) {
      const t = await text(ca[hierarchy]);
      assert.match(t, new RegExp(`Issuer: ${escape(ISSUER[hierarchy])}\n`));
      assert.match(t, new RegExp(`Subject: ${escape(ISSUER[hierarchy])}\n`));
      assert.deepEqual(extensionHeaders(t), ['X509v3 Key Usage: critical', 'X509v3 Subject Alternative Name:', 'X509v3 Basic Constraints: critical', 'X509v3 Subject Key Identifier:']);
      assert.match(t, /X509v3 Key Usage: critical\n +Certificate Sign, CRL Sign\n/);
      assert.match(t, /X509v3 Basic Constraints: critical\n +CA:TRUE\n/);
      assert.match(t, /Public-Key: \(2048 bit\)/);
      assert.match(t, /Not After : \w{3} [ \d]\d 14:59:59 \d{4} GMT/);
      const self = await verifyChain(ca[hierarchy], ca[hierarchy]);
      assert.ok(self.ok, self.out);
    }
  });

  it('card certificates end on the 5th birthday after issuance; phone certificates never outlive the card signature certificate', async () => {
    const cardSign = notAfter(await text(files['card-sign.pem']!));
    const cardAuth = notAfter(await text(files['card-auth.pem']!));
    assert.equal(cardAuth.toISOString(), `${fifthBirthdayAfter(issuedAt, '1990-01-02')}T14:59:59.000Z`);
    assert.ok(cardSign <= cardAuth, 'the signature certificate is capped by the authentication certificate');
    for (const f of ['phone-sign.pem', 'phone-auth.pem']) {
      assert.ok(notAfter(await text(files[f]!)) <= cardSign, `${f} ends no later than the card signature certificate`);
    }

    // A card that expires before the 5th birthday caps everything, the phone certificates included.
    const expiry = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const soon = await w.card({}, { cardExpiry: expiry });
    const soonPhone = await w.phone(soon, 'SE-PROFILES-2');
    const end = `${expiry}T14:59:59.000Z`;
    for (const [name, der] of [['card-sign', soon.signCert], ['card-auth', soon.authCert], ['phone-sign', soonPhone.signCert], ['phone-auth', soonPhone.authCert]] as const) {
      assert.equal(notAfter(await text(writePem(h, `soon-${name}.pem`, der))).toISOString(), end, name);
    }
  });
});
