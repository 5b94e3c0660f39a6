import { ApduError } from './errors.js';

/*
 * ISO/IEC 7816-4 5.4.1, class byte:
 *   000x xxxx  first interindustry coding: b5 chaining, b4b3 secure messaging indication,
 *              b2b1 logical channel 0..3
 *   01xx xxxx  further interindustry coding: b6 secure messaging, b5 chaining,
 *              b4..b1 logical channel minus 4 (channels 4..19)
 *   001x xxxx  reserved for future use
 *   1xxx xxxx  proprietary, except 'FF' (reserved for PPS by ISO/IEC 7816-3)
 * GlobalPlatform Card Specification 11.1.4 reuses the same bit positions for its proprietary classes
 * ('80'-'83', '84'-'87' with SM, 'C0'-'CF' and 'E0'-'EF' for channels 4..19), so one decoder serves
 * both kinds; b8 alone tells them apart.
 */

const PROPRIETARY = 0x80; // b8
const FURTHER = 0x40; // b7
const FURTHER_SM = 0x20; // b6 in the further coding
const CHAINING = 0x10; // b5, same place in both codings
const FIRST_SM = 0x0c; // b4b3 in the first coding

/**
 * The SM indication written into a first-coding class when the source gives only "SM on" (the
 * further coding has one SM bit). Interindustry: b4b3 = 10, "SM according to clause 6, header not
 * processed", the only SM meaning the further coding can express. Proprietary: b4b3 = 01, the
 * GlobalPlatform convention ('84'). A first-coding value 11 (header authenticated, e.g. '0C') does not
 * survive a trip through channels 4..19: the further coding has no bit for it.
 */
function firstCodingSm(cla: number): number {
  return cla & PROPRIETARY ? 0x04 : 0x08;
}

/** True for a class byte with a defined coding: not 'FF' and not the RFU range 001x xxxx. */
export function isValidCla(cla: number): boolean {
  return Number.isInteger(cla) && cla >= 0 && cla <= 0xfe && (cla & 0xe0) !== 0x20;
}

function requireCla(cla: number): void {
  if (!isValidCla(cla)) {
    throw new ApduError('ERR_APDU_CLA_INVALID', `class byte ${String(cla)} has no defined coding (FF, RFU 2x/3x, or not a byte)`);
  }
}

// A class byte built from valid fields can still come out as 'FF' (proprietary, further, SM,
// chaining, channel 19): the norm reserves that value, so refuse it rather than emit it.
function checkResult(cla: number): number {
  if (cla === 0xff) throw new ApduError('ERR_APDU_CLA_INVALID', 'the requested class byte would be FF, which ISO/IEC 7816-3 reserves');
  return cla;
}

function isFurther(cla: number): boolean {
  return (cla & FURTHER) !== 0;
}

/** True for a proprietary class (b8 = 1), e.g. GlobalPlatform '80'. */
export function isProprietary(cla: number): boolean {
  requireCla(cla);
  return (cla & PROPRIETARY) !== 0;
}

/** The logical channel (0..19) the class byte addresses. */
export function channelOf(cla: number): number {
  requireCla(cla);
  return isFurther(cla) ? (cla & 0x0f) + 4 : cla & 0x03;
}

/** True when the class byte indicates secure messaging (b4b3 ≠ 00, or b6 in the further coding). */
export function hasSecureMessaging(cla: number): boolean {
  requireCla(cla);
  return isFurther(cla) ? (cla & FURTHER_SM) !== 0 : (cla & FIRST_SM) !== 0;
}

/**
 * The same class (interindustry or proprietary, chaining, SM indication) on another logical channel,
 * switching between the first and further codings when the channel crosses 3/4.
 */
export function withChannel(cla: number, channel: number): number {
  requireCla(cla);
  if (!Number.isInteger(channel) || channel < 0 || channel > 19) {
    throw new ApduError('ERR_APDU_CHANNEL_RANGE', `logical channel ${String(channel)} is outside 0..19`);
  }
  const kind = cla & (PROPRIETARY | CHAINING);
  const sm = hasSecureMessaging(cla);
  if (channel <= 3) {
    // Staying in the first coding keeps b4b3 (and a proprietary b6) exactly.
    if (!isFurther(cla)) return (cla & ~0x03) | channel;
    return checkResult(kind | (sm ? firstCodingSm(cla) : 0) | channel);
  }
  if (isFurther(cla)) return checkResult((cla & ~0x0f) | (channel - 4));
  return checkResult(kind | FURTHER | (sm ? FURTHER_SM : 0) | (channel - 4));
}

/**
 * The class byte with secure messaging indicated or not. Turning SM on keeps an existing first-coding
 * indication (so '0C' stays '0C'); otherwise it writes the default of `firstCodingSm`.
 */
export function withSecureMessaging(cla: number, on: boolean): number {
  requireCla(cla);
  if (isFurther(cla)) return checkResult(on ? cla | FURTHER_SM : cla & ~FURTHER_SM);
  if (!on) return cla & ~FIRST_SM;
  return (cla & FIRST_SM) !== 0 ? cla : cla | firstCodingSm(cla);
}
