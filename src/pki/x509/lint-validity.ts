import type { Time, TBSCertificate } from '@peculiar/asn1-x509';
import type { BasicFour } from './basic-four.js';
import { endOfJstDay, isEndOfJstDay, isIsoDate } from './calendar.js';
import type { LintContext, Report } from './lint-context.js';
import type { CertificateProfile } from './profiles.js';
import { caValidity, cardValidityBound, lastDayOfYears } from './validity.js';

/**
 * RFC 5280 4.1.2.5: "CAs conforming to this profile MUST always encode certificate validity dates
 * through the year 2049 as UTCTime; certificate validity dates in 2050 or later MUST be encoded as
 * GeneralizedTime."
 */
function lintTimeEncoding(time: Time, which: string, add: Report): void {
  const year = time.getTime().getUTCFullYear();
  const utc = time.utcTime !== undefined;
  if (utc !== year < 2050) add('VALIDITY_TIME_ENCODING', `${which} in ${year} must be ${year < 2050 ? 'UTCTime' : 'GeneralizedTime'}`);
}

/**
 * The period: notBefore before notAfter (`VALIDITY_ORDER`), notAfter at 23:59:59 JST = 14:59:59Z
 * (`VALIDITY_NOT_END_OF_DAY`, jpki-ap.md 3.3), and the profile's bound (`VALIDITY_TOO_LONG`): CA 10
 * years, OCSP responder 1 year, card certificate the 5th birthday after issuance (the birth date from
 * the context, else from the basic four, else the widest bound) and the card's expiry
 * (`VALIDITY_EXCEEDS_CARD`), phone certificate its card certificate (`VALIDITY_EXCEEDS_CARD_CERTIFICATE`);
 * never beyond the issuing CA (`VALIDITY_EXCEEDS_ISSUER`).
 */
export function lintValidity(
  tbs: TBSCertificate,
  p: CertificateProfile,
  ctx: LintContext,
  basicFour: BasicFour | undefined,
  add: Report,
): void {
  lintTimeEncoding(tbs.validity.notBefore, 'notBefore', add);
  lintTimeEncoding(tbs.validity.notAfter, 'notAfter', add);
  const notBefore = tbs.validity.notBefore.getTime();
  const notAfter = tbs.validity.notAfter.getTime();
  if (notBefore.getTime() >= notAfter.getTime()) add('VALIDITY_ORDER', 'notBefore is not before notAfter');
  if (!isEndOfJstDay(notAfter)) add('VALIDITY_NOT_END_OF_DAY', 'notAfter is not 14:59:59Z (23:59:59 JST)');

  const exceeds = (bound: Date): boolean => notAfter.getTime() > bound.getTime();
  switch (p.validity) {
    case 'ca':
      if (exceeds(caValidity(notBefore).notAfter)) add('VALIDITY_TOO_LONG', 'a CA certificate lasts at most 10 years');
      break;
    case 'ocsp-responder':
      if (exceeds(endOfJstDay(lastDayOfYears(notBefore, 1)))) add('VALIDITY_TOO_LONG', 'an OCSP responder certificate lasts at most 1 year');
      break;
    case 'card': {
      const birth = ctx.holder?.birthDate ?? basicFour?.birthDate;
      if (exceeds(cardValidityBound(notBefore, birth !== undefined && isIsoDate(birth) ? birth : undefined))) {
        add('VALIDITY_TOO_LONG', 'a card certificate ends at the latest on the 5th birthday after issuance');
      }
      const expiry = ctx.holder?.cardExpiry;
      if (expiry !== undefined && isIsoDate(expiry) && exceeds(endOfJstDay(expiry))) {
        add('VALIDITY_EXCEEDS_CARD', `the certificate outlives the card (${expiry})`);
      }
      break;
    }
    case 'phone':
      if (ctx.cardCertificateNotAfter === undefined) {
        add('CONTEXT_MISSING', 'a phone certificate is linted against its card certificate’s notAfter');
      } else if (exceeds(ctx.cardCertificateNotAfter)) {
        add('VALIDITY_EXCEEDS_CARD_CERTIFICATE', 'a phone certificate never outlives its card certificate');
      }
      break;
  }
  if (!p.selfSigned && ctx.issuer !== undefined && exceeds(ctx.issuer.notAfter)) {
    add('VALIDITY_EXCEEDS_ISSUER', 'the certificate outlives its CA');
  }
}
