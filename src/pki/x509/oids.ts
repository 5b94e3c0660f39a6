/**
 * Every object identifier the JPKI certificates use, in one place. Standard arcs are from RFC 5280
 * (4.1.2.4 attributes, 4.2.1 extensions, 4.2.2 private extensions), RFC 4055 / RFC 8017 (RSA),
 * RFC 6960 4.2.2.2 (OCSP signing, nocheck); the JPKI arcs are from jpki-ap.md 3.2.
 */

/** X.520 attribute types (RFC 5280 4.1.2.4, Appendix A.1). */
export const OID_COUNTRY = '2.5.4.6';
export const OID_STATE = '2.5.4.8';
export const OID_LOCALITY = '2.5.4.7';
export const OID_ORGANIZATION = '2.5.4.10';
export const OID_ORGANIZATIONAL_UNIT = '2.5.4.11';
export const OID_COMMON_NAME = '2.5.4.3';

/** RFC 8017 A.1 / RFC 4055 5: rsaEncryption (parameters NULL) and sha256WithRSAEncryption. */
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** RFC 5280 4.2.1 standard extensions (id-ce) and 4.2.2.1 authorityInfoAccess (id-pe). */
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_ISSUER_ALT_NAME = '2.5.29.18';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
export const OID_CERTIFICATE_POLICIES = '2.5.29.32';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
export const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';

/** RFC 5280 4.2.1.12 id-kp-OCSPSigning; RFC 6960 4.2.2.2.1 id-pkix-ocsp-nocheck. */
export const OID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
export const OID_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';
/** RFC 5280 4.2.2.1 id-ad-ocsp (an accessMethod of authorityInfoAccess). */
export const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
/** RFC 5280 4.2.1.4 id-qt-cps: the CPS pointer qualifier. */
export const OID_QT_CPS = '1.3.6.1.5.5.7.2.1';

/** The basic four information (基本4情報) as subjectAltName otherName type-ids (jpki-ap.md 3.2). */
export const OID_JPKI_NAME = '1.2.392.200149.8.5.5.1';
export const OID_JPKI_NAME_SUBSTITUTE_MAP = '1.2.392.200149.8.5.5.2';
export const OID_JPKI_SEX = '1.2.392.200149.8.5.5.3';
export const OID_JPKI_BIRTH_DATE = '1.2.392.200149.8.5.5.4';
export const OID_JPKI_ADDRESS = '1.2.392.200149.8.5.5.5';
export const OID_JPKI_ADDRESS_SUBSTITUTE_MAP = '1.2.392.200149.8.5.5.6';

/**
 * Certificate policies.
 *
 * PROJECT_ARC is a UUID OID (X.667, arc 2.25) minted for this project, so that nothing it issues
 * can be mistaken for a J-LIS policy where no J-LIS OID is known. Under it: `.0.*` test, `.1.*`
 * production; `.x.1.*` card, `.x.2.*` phone; final `20` signature, `30` user authentication,
 * following J-LIS's class20/class30 numbering.
 *
 * | Certificate            | production                 | test                        |
 * |------------------------|----------------------------|-----------------------------|
 * | card signature         | 1.2.392.200149.8.5.1.1.20  | 1.2.392.200149.8.5.1.0.20   |
 * | card authentication    | 1.2.392.200149.8.5.1.3.30  | PROJECT_ARC.0.1.30          |
 * | phone signature        | PROJECT_ARC.1.2.20         | PROJECT_ARC.0.2.20          |
 * | phone authentication   | PROJECT_ARC.1.2.30         | PROJECT_ARC.0.2.30          |
 *
 * The card production OIDs are J-LIS's (jpki-ap.md 3.2), the card signature test OID is the JPKI test
 * environment's; J-LIS publishes no test OID for authentication nor any phone OID (jpki-ap.md 3.4 and 8),
 * so those come from PROJECT_ARC.
 */
export const PROJECT_ARC = '2.25.70623146399503318900969062166041881797';

export const POLICY_CARD_SIGN = '1.2.392.200149.8.5.1.1.20';
export const POLICY_CARD_SIGN_TEST = '1.2.392.200149.8.5.1.0.20';
export const POLICY_CARD_AUTH = '1.2.392.200149.8.5.1.3.30';
export const POLICY_CARD_AUTH_TEST = `${PROJECT_ARC}.0.1.30`;
export const POLICY_PHONE_SIGN = `${PROJECT_ARC}.1.2.20`;
export const POLICY_PHONE_SIGN_TEST = `${PROJECT_ARC}.0.2.20`;
export const POLICY_PHONE_AUTH = `${PROJECT_ARC}.1.2.30`;
export const POLICY_PHONE_AUTH_TEST = `${PROJECT_ARC}.0.2.30`;

/** The four end-entity certificate kinds, each with its own policy. */
export type PolicyKind = 'card-sign' | 'card-auth' | 'phone-sign' | 'phone-auth';
/** Production certificates for real use, or test ones a production verifier must reject. */
export type PolicyMode = 'production' | 'test';

const POLICIES: Readonly<Record<PolicyKind, Readonly<Record<PolicyMode, string>>>> = {
  'card-sign': { production: POLICY_CARD_SIGN, test: POLICY_CARD_SIGN_TEST },
  'card-auth': { production: POLICY_CARD_AUTH, test: POLICY_CARD_AUTH_TEST },
  'phone-sign': { production: POLICY_PHONE_SIGN, test: POLICY_PHONE_SIGN_TEST },
  'phone-auth': { production: POLICY_PHONE_AUTH, test: POLICY_PHONE_AUTH_TEST },
};

/** The policy OID a certificate of `kind` carries in `mode`. */
export function policyOid(kind: PolicyKind, mode: PolicyMode): string {
  return POLICIES[kind][mode];
}

/** What a policy OID says about a certificate, or undefined for an OID this system does not issue. */
export function classifyPolicy(oid: string): { kind: PolicyKind; mode: PolicyMode } | undefined {
  for (const kind of Object.keys(POLICIES) as PolicyKind[]) {
    for (const mode of ['production', 'test'] as const) {
      if (POLICIES[kind][mode] === oid) return { kind, mode };
    }
  }
  return undefined;
}
