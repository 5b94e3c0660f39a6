import { createPublicKey, createSign, sign as rsaSign, type KeyObject } from 'node:crypto';

/**
 * What signs certificates, CRLs and OCSP responses: sha256WithRSAEncryption (RSASSA-PKCS1-v1_5 with
 * SHA-256, RFC 8017 8.2), the only algorithm JPKI uses. A port, so that an HSM (e.g. SoftHSM over
 * PKCS#11) can take the place of a key held in memory.
 */
export interface Signer {
  /** DER SubjectPublicKeyInfo of the signing key. */
  readonly publicKeySpki: Uint8Array;
  /** Signs `data` in one call. */
  sign(data: Uint8Array): Uint8Array;
  /** Signs data given in pieces (a CRL of a million entries is never held whole in memory). */
  begin(): SignStream;
}

export interface SignStream {
  update(chunk: Uint8Array): void;
  /** The signature; the stream cannot be used afterwards. */
  finish(): Uint8Array;
}

/** A signer over an RSA private key held by node:crypto. */
export function keyObjectSigner(privateKey: KeyObject): Signer {
  const publicKeySpki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  return {
    publicKeySpki,
    sign: (data) => new Uint8Array(rsaSign('sha256', data, privateKey)),
    begin() {
      const s = createSign('sha256');
      return {
        update: (chunk) => void s.update(chunk),
        finish: () => new Uint8Array(s.sign(privateKey)),
      };
    },
  };
}
