import { issueCard, defaultCardExpiry, type CardCertificateRequest, type CardCertificates, type IdCardState } from '../devices/id-card/index.js';
import { parseCertificate, type BasicFour, type IsoDate } from '../pki/x509/index.js';
import type { Actor } from '../services/jpki/actors.js';
import type { JpkiService } from '../services/jpki/service.js';

export interface OfficeIssueRequest {
  readonly person: BasicFour;
  /** Default: the 10th birthday after today (the 5th under 18). */
  readonly cardExpiry?: IsoDate;
  readonly pin: string;
  readonly password: string;
}

/**
 * The municipal office's counter (flow 1), as `jpki-mobile card issue` does it: the card generates
 * its two key pairs, the certification service certifies them for the operator who is logged in (its
 * own rules: office or admin role, the basic four checked, previous card certificates superseded), and
 * the PIN and password the holder typed are set. The card is returned, not stored: the caller puts it
 * on the shelf.
 */
export async function issueAtOffice(service: JpkiService, actor: Actor, req: OfficeIssueRequest, now = new Date()): Promise<IdCardState> {
  const certify = async (r: CardCertificateRequest): Promise<CardCertificates> => {
    const issued = await service.issueCard(actor, r);
    const caOf = (der: Uint8Array, hierarchy: 'sign' | 'auth') => (service.ctx.authority.issuerOf(parseCertificate(der)) ?? service.ctx.authority.active(hierarchy)).certificate;
    return {
      personId: issued.personId,
      cardId: issued.cardId,
      signCertificate: issued.sign.der,
      authCertificate: issued.auth.der,
      signCaCertificate: caOf(issued.sign.der, 'sign'),
      authCaCertificate: caOf(issued.auth.der, 'auth'),
    };
  };
  const cardExpiry = req.cardExpiry ?? defaultCardExpiry(req.person.birthDate, now);
  return issueCard({ person: req.person, cardExpiry, pin: req.pin, password: req.password }, certify);
}
