import { fromHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import { IdCard, issueCard as officeIssueCard, type CardCertificateRequest, type CardCertificates } from '../../../src/devices/id-card/index.js';
import { certIdFor, encodeOcspRequest, parseOcspResponse, type ParsedCertStatus } from '../../../src/pki/revocation/index.js';
import type { BasicFour } from '../../../src/pki/x509/index.js';
import { databaseConfig, loadConfig } from '../../../src/services/home/index.js';
import { openDatabase, type Database } from '../../../src/store/index.js';
import { CARD_PASSWORD, type SystemHarness } from '../../app/helpers.js';
import { DEFAULT_PERSON } from '../../helpers/jpki.js';
import { TEST_KDF } from '../../services/tsm/helpers.js';

/**
 * What the end-to-end tests of flows 5 and 10 look at, each through the party that owns it: cards
 * issued by the system's municipal-office API for a given person; the certificate states at the CA
 * (admin API) and in OCSP (a real request to the responder); the database for what no API shows (push
 * devices). The element's contents by GET STATUS: support/element-status.ts.
 */

export const OTHER_PERSON: BasicFour = { name: '佐藤\u3000花子', address: '大阪府大阪市北区中之島1-3-20', birthDate: '1988-07-15', sex: 2 };

const pemToDer = (text: string) => new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

/** An Individual Number Card for `person`, issued by the system over HTTP (office operator); keys made in the card. */
export async function cardFor(h: SystemHarness, person: BasicFour = DEFAULT_PERSON, password = CARD_PASSWORD): Promise<IdCard> {
  const issue = async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await h.api(
      'POST',
      '/api/v1/card-certificates',
      { person: req.person, cardExpiry: req.cardExpiry, signPublicKey: Buffer.from(req.signPublicKey).toString('base64'), authPublicKey: Buffer.from(req.authPublicKey).toString('base64') },
      h.office,
    );
    if (r.status !== 201) throw new Error(`card issuance ${r.status} ${JSON.stringify(r.json)}`);
    const ca = async (which: string) => new Uint8Array(await (await fetch(`${h.url}/ca/${which}/1.crt`)).arrayBuffer());
    return { personId: String(r.json.personId), cardId: String(r.json.cardId), signCertificate: pemToDer((r.json.sign as { pem: string }).pem), authCertificate: pemToDer((r.json.auth as { pem: string }).pem), signCaCertificate: await ca('sign'), authCaCertificate: await ca('auth') };
  };
  const state = await officeIssueCard({ person, cardExpiry: '2035-12-31', pin: '1234', password }, issue, { kdf: TEST_KDF });
  const card = new IdCard(state, new MemoryCardStore(state));
  await card.powerOn();
  return card;
}

/** The certificate as the CA's admin API reports it. */
export async function caStatus(h: SystemHarness, serial: string): Promise<{ status: string; reason: number | null; seId: string | null; personId: string }> {
  const r = await h.api('GET', `/api/v1/certificates/${serial}`, undefined, h.admin);
  if (r.status !== 200) throw new Error(`certificate ${serial}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as { status: string; reason: number | null; seId: string | null; personId: string };
}

/** The certificate's status from the running OCSP responder (RFC 6960 POST, no nonce). */
export async function ocspStatus(h: SystemHarness, hierarchy: 'sign' | 'auth', serial: string): Promise<ParsedCertStatus> {
  const issuer = new Uint8Array(await (await fetch(`${h.url}/ca/${hierarchy}/1.crt`)).arrayBuffer());
  const { der } = encodeOcspRequest([certIdFor(issuer, fromHex(serial), 'sha1')]);
  const res = await fetch(`${h.url}/ocsp/${hierarchy}`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: der });
  const parsed = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
  if (parsed.status !== 'successful') throw new Error(`OCSP ${serial}: ${parsed.status}`);
  return parsed.responses[0]!.status;
}

/** A second connection to the home's database (the services keep all their state there). */
export function homeDatabase(h: SystemHarness): Promise<Database> {
  return openDatabase(databaseConfig(h.home, loadConfig(h.home)));
}
