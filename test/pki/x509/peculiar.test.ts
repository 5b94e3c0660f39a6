import './reflect-metadata.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as px from '@peculiar/x509';
import { toHex } from '../../../src/bytes/index.js';
import {
  certificatePolicyOids,
  classifyPolicy,
  issueCertificate,
  parseCertificate,
  subjectKeyIdentifier,
  type ProfileName,
} from '../../../src/pki/x509/index.js';
import { makePki } from './helpers.js';

/** An independent X.509 implementation (@peculiar/x509, tests only) reads what the CA issues. */

const pki = makePki(new Date('2026-03-14T15:30:00Z'));
const buffer = (der: Uint8Array): ArrayBuffer => der.slice().buffer;

describe('cross-check with @peculiar/x509', () => {
  const signCa = new px.X509Certificate(buffer(pki.signCa.der));
  const authCa = new px.X509Certificate(buffer(pki.authCa.der));

  it('the CA certificates are self-signed CAs with keyCertSign and cRLSign', async () => {
    for (const ca of [signCa, authCa]) {
      assert.ok(await ca.isSelfSigned());
      assert.ok(await ca.verify({ signatureOnly: true }));
      assert.equal(ca.getExtension(px.BasicConstraintsExtension)?.ca, true);
      assert.equal(ca.getExtension(px.BasicConstraintsExtension)?.pathLength, undefined);
      assert.equal(ca.getExtension(px.KeyUsagesExtension)?.usages, px.KeyUsageFlags.keyCertSign | px.KeyUsageFlags.cRLSign);
      assert.equal(ca.getExtension(px.AuthorityKeyIdentifierExtension), null);
    }
    assert.equal(signCa.subject, 'C=JP, O=JPKI-MOBILE, OU=JPKI for digital signature, OU=jpki-mobile emulation - not J-LIS');
  });

  const chains: [ProfileName, 'sign' | 'auth'][] = [
    ['card-sign', 'sign'],
    ['card-auth', 'auth'],
    ['phone-sign', 'sign'],
    ['phone-auth', 'auth'],
    ['ocsp-responder', 'sign'],
  ];
  for (const [profile, hierarchy] of chains) {
    it(`${profile}: the signature verifies with the ${hierarchy} CA key only, and the fields agree`, async () => {
      const der = issueCertificate({ profile, ...pki.request(profile) });
      const cert = new px.X509Certificate(buffer(der));
      const [ca, other] = hierarchy === 'sign' ? [signCa, authCa] : [authCa, signCa];
      assert.equal(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }), true);
      assert.equal(await cert.verify({ publicKey: other.publicKey, signatureOnly: true }), false);
      assert.equal(cert.issuer, ca.subject);
      assert.equal(cert.serialNumber.toUpperCase(), parseCertificate(der).serialNumberHex);
      assert.equal(cert.notAfter.toISOString().slice(10), 'T14:59:59.000Z');
      const aki = cert.getExtension(px.AuthorityKeyIdentifierExtension)!;
      const caSki = ca.getExtension(px.SubjectKeyIdentifierExtension)!;
      assert.equal(aki.keyId, caSki.keyId);
      const ski = cert.getExtension(px.SubjectKeyIdentifierExtension)!;
      assert.equal(ski.keyId.toUpperCase(), toHex(subjectKeyIdentifier(parseCertificate(der).subjectPublicKeyInfo)));
      const ku = cert.getExtension(px.KeyUsagesExtension)!;
      assert.equal(ku.critical, true);
      const expectedUsage =
        profile.endsWith('-sign') ? px.KeyUsageFlags.digitalSignature | px.KeyUsageFlags.nonRepudiation : px.KeyUsageFlags.digitalSignature;
      assert.equal(ku.usages, expectedUsage);
      if (profile === 'ocsp-responder') {
        assert.deepEqual([...cert.getExtension(px.ExtendedKeyUsageExtension)!.usages], [px.ExtendedKeyUsage.ocspSigning]);
        return;
      }
      const policies = cert.getExtension(px.CertificatePolicyExtension)!;
      assert.equal(policies.critical, true);
      assert.equal(policies.policies.length, 1);
      assert.deepEqual(classifyPolicy(certificatePolicyOids(der)[0]!), { kind: profile, mode: 'production' });
      const san = cert.getExtension(px.SubjectAlternativeNameExtension);
      assert.equal(san === null, profile.endsWith('-auth'));
    });
  }
});
