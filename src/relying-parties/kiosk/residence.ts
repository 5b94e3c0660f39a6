import type { KeyObject } from 'node:crypto';
import type { DirectoryPerson } from '../shared/directory.js';
import { decodeDocument, encodeDocument } from '../shared/documents.js';
import { jwkThumbprint, publicJwk, signCompact, verifyCompact, type Ed25519Jwk } from './jws.js';

/** The `type` member of a certificate of residence. */
export const RESIDENCE_TYPE = 'jpki-mobile/certificate-of-residence/v1';

/** The kiosk's (the municipality's) signing key: Ed25519, named by its JWK thumbprint. */
export interface ResidenceSigner {
  readonly key: KeyObject;
  readonly kid: string;
  readonly jwk: Ed25519Jwk;
}

export function residenceSigner(privateKey: KeyObject): ResidenceSigner {
  const jwk = publicJwk(privateKey);
  return { key: privateKey, kid: jwkThumbprint(jwk), jwk };
}

export interface ResidenceParams {
  readonly id: string;
  readonly municipality: string;
  readonly kioskId: string;
  readonly issuedAt: Date;
  readonly person: DirectoryPerson;
  readonly holder: 'card' | 'phone';
  readonly certificateSerial: string;
  readonly issuerKeyId: string;
  /** When the OCSP answer that said good was produced. */
  readonly statusAt?: Date;
}

/**
 * A certificate of residence (住民票の写し) as the kiosk issues it: a JSON document (canonical, RFC
 * 8785) signed by the kiosk as a compact JWS. The resident's data are the person record of the
 * certification service for the user-authentication certificate that logged in (the basic four the
 * municipal office registered); the verification member says how the resident was identified.
 */
export function residenceDocument(p: ResidenceParams): Record<string, unknown> {
  return {
    type: RESIDENCE_TYPE,
    id: p.id,
    title: '住民票の写し (sample)',
    issuer: { municipality: p.municipality, kiosk: p.kioskId },
    issuedAt: p.issuedAt.toISOString(),
    resident: { name: p.person.name, address: p.person.address, birthDate: p.person.birthDate, sex: p.person.sex },
    verification: {
      holder: p.holder,
      certificateSerial: p.certificateSerial,
      issuerKeyId: p.issuerKeyId,
      status: 'good',
      ...(p.statusAt ? { statusAt: p.statusAt.toISOString() } : {}),
    },
    notice: 'Issued by an emulation (jpki-mobile): not an official certificate.',
  };
}

export function signResidence(document: Record<string, unknown>, signer: ResidenceSigner): string {
  return signCompact(encodeDocument(document), signer.key, signer.kid);
}

/** The document of a certificate of residence whose JWS verifies with one of `keys` (by kid), else undefined. */
export function verifyResidence(jws: string, keys: ReadonlyMap<string, Ed25519Jwk>): unknown {
  let kid: unknown;
  try {
    kid = (JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }).kid;
  } catch {
    return undefined;
  }
  const jwk = typeof kid === 'string' ? keys.get(kid) : undefined;
  const payload = jwk ? verifyCompact(jws, jwk) : undefined;
  return payload ? decodeDocument(payload) : undefined;
}
