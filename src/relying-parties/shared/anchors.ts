import type { TrustAnchorsInput } from '../../sdk/index.js';

/**
 * What a relying party trusts: every live generation of the JPKI signature CA and of the
 * user-authentication CA, as DER certificates (from `jpki-mobile ca export`, or the certification
 * service's /ca/{sign|auth}/{n}.crt).
 */
export interface TrustAnchors {
  readonly sign: readonly Uint8Array[];
  readonly auth: readonly Uint8Array[];
}

/** The SDK's form, each anchor labelled `sign-1`, `auth-2`, … in the order given. */
export function sdkAnchors(anchors: TrustAnchors): TrustAnchorsInput {
  return {
    sign: anchors.sign.map((certificate, i) => ({ certificate, label: `sign-${i + 1}` })),
    auth: anchors.auth.map((certificate, i) => ({ certificate, label: `auth-${i + 1}` })),
  };
}
