import { DerReader, OCSP_DER, type DerCodes, type DerNode } from '../revocation/der-reader.js';
import { CmsError, type CmsErrorCode } from './errors.js';

/*
 * The strict DER reader of the revocation codecs (definite minimal lengths, bounds checked before use,
 * nothing copied per node), raising CMS codes. RFC 5652 allows BER for a SignedData, but requires DER
 * for what is signed (5.4) and every producer here (this builder, openssl without -stream) writes DER;
 * an indefinite length is refused as ERR_CMS_DER_LENGTH rather than half supported.
 */

const CMS_DER: Readonly<Record<keyof DerCodes, CmsErrorCode>> = {
  truncated: 'ERR_CMS_DER_TRUNCATED',
  length: 'ERR_CMS_DER_LENGTH',
  tag: 'ERR_CMS_DER_TAG',
  value: 'ERR_CMS_DER_VALUE',
  trailing: 'ERR_CMS_DER_TRAILING',
};

export class CmsReader extends DerReader {
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    // The codes of the base class are never used: `fail` below raises CMS codes instead.
    super(bytes, OCSP_DER, start, end);
  }

  override inside(node: DerNode): CmsReader {
    return new CmsReader(this.bytes, node.valueStart, node.end);
  }

  override fail(kind: keyof DerCodes, message: string): never {
    throw new CmsError(CMS_DER[kind], message);
  }
}

/** X.690 8.12: SET and SET OF, universal 17, constructed. */
export const SET = 0x31;
