import { generateKeyPairSync } from 'node:crypto';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import {
  DEFAULT_CA_NAMING,
  cardCertificateValidity,
  endEntitySubject,
  issuerAltNameDn,
  issuerRef,
  ocspResponderSubject,
  ocspResponderValidity,
  phoneCertificateValidity,
  randomSerial,
  selfSignedCa,
  type BasicFour,
  type IssuerRef,
  type LintContext,
  type ProfileName,
  type TbsParams,
} from '../../../src/pki/x509/index.js';
import { seededRandom } from '../../helpers/vectors.js';

/** Test fixtures of the X.509 tests: keys are generated once per test file (each file runs in its own process). */

export const URLS = { cps: 'http://ca.jpki-mobile.test/cps', crl: 'http://ca.jpki-mobile.test/crl/sign.crl', ocsp: 'http://ca.jpki-mobile.test/ocsp' };

export const BASIC_FOUR: BasicFour = {
  name: '山田\u3000太郎',
  address: '東京都千代田区永田町1-7-1',
  birthDate: '1990-01-02',
  sex: 1,
};

export const CARD_EXPIRY = '2035-01-02';

let cachedSigners: { signCa: Signer; authCa: Signer; subject: Signer } | undefined;

/** Three RSA-2048 signers (sign CA, auth CA, the certified end-entity key), made once per process. */
export function signers(): { signCa: Signer; authCa: Signer; subject: Signer } {
  cachedSigners ??= {
    signCa: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    authCa: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    subject: keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  };
  return cachedSigners;
}

export interface Ca {
  readonly signer: Signer;
  readonly der: Uint8Array;
  readonly ref: IssuerRef;
}

export interface Pki {
  readonly issuedAt: Date;
  readonly signCa: Ca;
  readonly authCa: Ca;
  /** The card authentication certificate's notAfter, which bounds the phone certificates. */
  readonly cardCertificateNotAfter: Date;
  /** Valid parameters for each profile, with the lint context and the signer of the issuing CA. */
  request(profile: ProfileName): { tbsParams: TbsParams; lintContext: LintContext; signer: Signer };
}

/** Two CAs issued a year before `issuedAt`, and parameters for every profile issued at `issuedAt`. */
export function makePki(issuedAt: Date, seed = 1): Pki {
  const s = signers();
  const random = seededRandom(seed);
  const caIssued = new Date(issuedAt.getTime() - 365 * 86400_000);
  const ca = (hierarchy: 'sign' | 'auth', signer: Signer): Ca => {
    const der = selfSignedCa({ hierarchy, signer, serialNumber: randomSerial(random), issuedAt: caIssued });
    return { signer, der, ref: issuerRef(der) };
  };
  const signCa = ca('sign', s.signCa);
  const authCa = ca('auth', s.authCa);
  const card = cardCertificateValidity({ issuedAt, birthDate: BASIC_FOUR.birthDate, cardExpiry: CARD_EXPIRY });
  const phone = phoneCertificateValidity({ issuedAt, cardCertificateNotAfter: card.notAfter });

  return {
    issuedAt,
    signCa,
    authCa,
    cardCertificateNotAfter: card.notAfter,
    request(profile) {
      const hierarchy = profile.endsWith('-auth') ? 'auth' : 'sign';
      const issuer = hierarchy === 'sign' ? signCa : authCa;
      const common = {
        serialNumber: randomSerial(random),
        issuer: issuer.ref.subject,
        subjectPublicKeyInfo: s.subject.publicKeySpki,
        authorityKeyIdentifier: issuer.ref.keyIdentifier,
      };
      if (profile === 'ocsp-responder') {
        const v = ocspResponderValidity({ issuedAt, caNotAfter: issuer.ref.notAfter });
        return {
          signer: issuer.signer,
          lintContext: { issuer: issuer.ref, naming: DEFAULT_CA_NAMING },
          tbsParams: { ...common, ...v, subject: ocspResponderSubject(DEFAULT_CA_NAMING, 'sign') },
        };
      }
      if (profile === 'ca-sign' || profile === 'ca-auth') throw new Error('CAs are made with selfSignedCa');
      const sign = hierarchy === 'sign';
      const period = profile.startsWith('card') ? card : phone;
      return {
        signer: issuer.signer,
        lintContext: {
          mode: 'production',
          issuer: issuer.ref,
          naming: DEFAULT_CA_NAMING,
          urls: URLS,
          holder: { birthDate: BASIC_FOUR.birthDate, cardExpiry: CARD_EXPIRY },
          ...(profile.startsWith('phone') ? { cardCertificateNotAfter: card.notAfter } : {}),
        },
        tbsParams: {
          ...common,
          ...period,
          subject: endEntitySubject(hierarchy, '8439ABCDEF0123456789', BASIC_FOUR.address),
          mode: 'production',
          ...(sign ? { basicFour: BASIC_FOUR } : {}),
          issuerAltName: issuerAltNameDn(DEFAULT_CA_NAMING),
          cpsUri: URLS.cps,
          crlUri: URLS.crl,
          ocspUri: URLS.ocsp,
        },
      };
    },
  };
}

/** A signer that counts its calls, to prove that nothing was signed. */
export function spySigner(inner: Signer): { signer: Signer; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    signer: {
      publicKeySpki: inner.publicKeySpki,
      sign(data) {
        calls++;
        return inner.sign(data);
      },
      begin() {
        calls++;
        return inner.begin();
      },
    },
  };
}

export function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function fromPem(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64'));
}

/** The real J-LIS CA certificates of 2023 (public trust anchors, from jpki/myna `src/ta/`), for parser and lint checks. */
export const JLIS_SIGN_CA_2023 = `-----BEGIN CERTIFICATE-----
MIIFFDCCA/ygAwIBAgIEBnxqITANBgkqhkiG9w0BAQsFADCBgDELMAkGA1UEBhMC
SlAxDTALBgNVBAoMBEpQS0kxIzAhBgNVBAsMGkpQS0kgZm9yIGRpZ2l0YWwgc2ln
bmF0dXJlMT0wOwYDVQQLDDRKYXBhbiBBZ2VuY3kgZm9yIExvY2FsIEF1dGhvcml0
eSBJbmZvcm1hdGlvbiBTeXN0ZW1zMB4XDTIzMDcxNjAwNTAyN1oXDTMzMDcxNTE0
NTk1OVowgYAxCzAJBgNVBAYTAkpQMQ0wCwYDVQQKDARKUEtJMSMwIQYDVQQLDBpK
UEtJIGZvciBkaWdpdGFsIHNpZ25hdHVyZTE9MDsGA1UECww0SmFwYW4gQWdlbmN5
IGZvciBMb2NhbCBBdXRob3JpdHkgSW5mb3JtYXRpb24gU3lzdGVtczCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBANi0xL81Wl6UyoSYgP4lRONGzgOoHZLm
hKYn7R78djBrh6ViwZ3UNT2gj1FbApWdPZxyPDG37RXJBzY4qjujYgWG5bDEnkRJ
fMGG+xsuHkQ1zBf2rxSbwmfWjJmD0zriVKUmOJCbzNCZyZt6OreVjQcueeWx5nZY
SzJt8yG6O9GQj+OE0UiN+zweAIfMDnP9kjGIzOG3ZoDnr+3wqv/WPfHkKZKknOl3
oagtasKaHXZmZvmtiEpG1b70P2dlgeywDDpBCyfP+QpR5BrueXnHjvqX7G0uyGiQ
ndL+DAt9cycIQergXIrMdOax2wDP/ZPSe1SR1JIFKPDarfKZZUZ3iUkCAwEAAaOC
AZIwggGOMA4GA1UdDwEB/wQEAwIBBjCBrgYDVR0RBIGmMIGjpIGgMIGdMQswCQYD
VQQGEwJKUDEnMCUGA1UECgwe5YWs55qE5YCL5Lq66KqN6Ki844K144O844OT44K5
MTAwLgYDVQQLDCflhaznmoTlgIvkurroqo3oqLzjgrXjg7zjg5PjgrnnvbLlkI3n
lKgxMzAxBgNVBAsMKuWcsOaWueWFrOWFseWbo+S9k+aDheWgseOCt+OCueODhuOD
oOapn+anizAPBgNVHRMBAf8EBTADAQH/MIGaBgNVHR8EgZIwgY8wgYyggYmggYak
gYMwgYAxCzAJBgNVBAYTAkpQMQ0wCwYDVQQKDARKUEtJMSMwIQYDVQQLDBpKUEtJ
IGZvciBkaWdpdGFsIHNpZ25hdHVyZTE9MDsGA1UECww0SmFwYW4gQWdlbmN5IGZv
ciBMb2NhbCBBdXRob3JpdHkgSW5mb3JtYXRpb24gU3lzdGVtczAdBgNVHQ4EFgQU
0h6lWJVhfpOtv5ZrlBq07fZT8I8wDQYJKoZIhvcNAQELBQADggEBANLq5fwgQlvb
owToAGecatiTa2rSCpRNNibDgNrqgorIvwS1mixEAItJWEpXaWq+3l/mN0cNW9kO
ZsH526Wy9XblvmsQm2CfTB8ltp7kfkiIHIIg3OWnRBbxAd+I6AsvuiE8N3RIZBTK
E5N/08WxlMPd03wkcgiyT6yu/G57tI7oS0e6FDW31BVdS4JyuXWHs78rgrxrGmcT
1L/I6TeG+cQn+MCCMp7TD5GXYtUdrx9Q2mmrSR7wf2ZNHiUtYq9hTkbnF0Mt4BUa
Ew1Bqtch0qlmVQG67YTUerI8rBIsDulJcwzDeVZ5P0UD3TBwLmM9t088Bgrv6is7
dFPT0JEqNwU=
-----END CERTIFICATE-----`;

export const JLIS_AUTH_CA_2023 = `-----BEGIN CERTIFICATE-----
MIIFIzCCBAugAwIBAgIEBtGABjANBgkqhkiG9w0BAQsFADCBgjELMAkGA1UEBhMC
SlAxDTALBgNVBAoMBEpQS0kxJTAjBgNVBAsMHEpQS0kgZm9yIHVzZXIgYXV0aGVu
dGljYXRpb24xPTA7BgNVBAsMNEphcGFuIEFnZW5jeSBmb3IgTG9jYWwgQXV0aG9y
aXR5IEluZm9ybWF0aW9uIFN5c3RlbXMwHhcNMjMwNzE2MDEwMTA0WhcNMzMwNzE1
MTQ1OTU5WjCBgjELMAkGA1UEBhMCSlAxDTALBgNVBAoMBEpQS0kxJTAjBgNVBAsM
HEpQS0kgZm9yIHVzZXIgYXV0aGVudGljYXRpb24xPTA7BgNVBAsMNEphcGFuIEFn
ZW5jeSBmb3IgTG9jYWwgQXV0aG9yaXR5IEluZm9ybWF0aW9uIFN5c3RlbXMwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDdxNt+xeqB9O50CBx2IjT3ffw8
G/wOfwQJ2RfPHTuwBoudurxDlvqX5MPWlZpFaKNpbY0oWjOsA4BuLW40bS6BW+zm
dvYIZvtuxKuy5U613FGV0UbM7UT2s4Z/Wk4QJ+B6sFQnnoQlyzbDL3x70GQ+oQMo
8To0sFbqoRWUQAu3QoDUNb/H0/k8PxZwhtUYY2q5kaNbtlI4q+0u+qnQXizXOPx1
PJEvPsv0EQyE0+7aiSZ5kdiuDvZ9VdUXqiJHUnEljCYFRRiRJ4LlugEGwqMVWr0v
U+2UTg+K4vT6ESYxjTAfjgNlR1kWPEs/1UEblqfrJQo/25rTxoQd4/WXyJofAgMB
AAGjggGdMIIBmTAOBgNVHQ8BAf8EBAMCAQYwgbcGA1UdEQSBrzCBrKSBqTCBpjEL
MAkGA1UEBhMCSlAxJzAlBgNVBAoMHuWFrOeahOWAi+S6uuiqjeiovOOCteODvOOD
k+OCuTE5MDcGA1UECwww5YWs55qE5YCL5Lq66KqN6Ki844K144O844OT44K55Yip
55So6ICF6Ki85piO55SoMTMwMQYDVQQLDCrlnLDmlrnlhazlhbHlm6PkvZPmg4Xl
oLHjgrfjgrnjg4bjg6DmqZ/mp4swDwYDVR0TAQH/BAUwAwEB/zCBnAYDVR0fBIGU
MIGRMIGOoIGLoIGIpIGFMIGCMQswCQYDVQQGEwJKUDENMAsGA1UECgwESlBLSTEl
MCMGA1UECwwcSlBLSSBmb3IgdXNlciBhdXRoZW50aWNhdGlvbjE9MDsGA1UECww0
SmFwYW4gQWdlbmN5IGZvciBMb2NhbCBBdXRob3JpdHkgSW5mb3JtYXRpb24gU3lz
dGVtczAdBgNVHQ4EFgQUGsEA9ZajvIxLPfGV4yaZJJ6eMIowDQYJKoZIhvcNAQEL
BQADggEBAHB2MubK1YUwFd6zUQrinYXdkbXKGcm7X7Wfe8bRkxr6PGDeQgWjggCJ
44HrU8UZPAec7oCzqey0wQTqziBVjyd98ntWlVV5SrgXeaWbfgI51MgWs5j3a8hr
CPAwwcRi9XgTFgGvmwjAORrMaNueGkqAK/1YFs9TGuiJxIc8Tm0w/bVGNoS4eJ0u
yamqsLQroA9/pHCkp0AehFv4eonhiP8T3OsaiMG38JCb5a9K7FDfrwd3T4+zjDIb
ecJL+viI0psHWwVmoyBBLXNBMjA5kKIqDYaYo6jsd7yoViTGcDpoYeRynal5yjkG
yXigSal+staD3P6Yf7dJb0HX0gA0KRA=
-----END CERTIFICATE-----`;
