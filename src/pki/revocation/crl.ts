import { concat } from '../../bytes/index.js';
import type { Signer } from '../signer.js';
import { ChunkWriter, type CrlSink } from './chunk-writer.js';
import { entrySize, MAX_ENTRY_SIZE, writeEntry, type CrlEntry } from './crl-entry.js';
import { CRL_DER, DerReader } from './der-reader.js';
import { extension, header, headerSize, OID, SHA256_WITH_RSA, TAG, tlv, unsignedIntegerContent } from './der-writer.js';
import { RevocationError } from './errors.js';
import { rsaSignatureLength } from './rsa-key.js';
import { encodeTime, timeMs, TimeEncoder } from './time.js';

/*
 * RFC 5280 5.1:
 *
 *   CertificateList  ::=  SEQUENCE  {
 *        tbsCertList          TBSCertList,
 *        signatureAlgorithm   AlgorithmIdentifier,
 *        signatureValue       BIT STRING  }
 *
 *   TBSCertList  ::=  SEQUENCE  {
 *        version                 Version OPTIONAL,
 *                                     -- if present, MUST be v2
 *        signature               AlgorithmIdentifier,
 *        issuer                  Name,
 *        thisUpdate              Time,
 *        nextUpdate              Time OPTIONAL,
 *        revokedCertificates     SEQUENCE OF SEQUENCE  { ... }  OPTIONAL,
 *        crlExtensions           [0]  EXPLICIT Extensions OPTIONAL
 *                                      -- if present, version MUST be v2
 *                                  }
 */

export interface CrlParams {
  /** DER Name of the issuer: the CA certificate's subject, byte for byte (RFC 5280 5.1.2.3). */
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  /** RFC 5280 5.1.2.5: conforming CRL issuers MUST include nextUpdate. */
  readonly nextUpdate: Date;
  /** cRLNumber, monotonically increasing (RFC 5280 5.2.3); 0 to 2^159 - 1 (at most 20 octets). */
  readonly crlNumber: bigint;
  /** keyIdentifier of the CA key (its certificate's subjectKeyIdentifier, RFC 5280 5.2.1). */
  readonly authorityKeyIdentifier: Uint8Array;
  readonly signer: Signer;
  /**
   * The revoked certificates, in the order they are to appear. Called twice: once to measure, once to
   * write; both calls must yield the same entries (`ERR_CRL_ENTRIES_CHANGED` otherwise). An async source
   * may yield them in batches (arrays, e.g. one per database page): one await per batch, not per entry.
   */
  readonly entries: () => Iterable<CrlEntry> | AsyncIterable<CrlEntry | readonly CrlEntry[]>;
}

export interface CrlWriteResult {
  readonly entries: number;
  readonly bytes: number;
}

/** version v2: INTEGER 1 (RFC 5280 5.1.2.1: v2 because there are extensions). */
const VERSION_V2 = Uint8Array.of(TAG.INTEGER, 1, 1);

/**
 * Writes a complete, signed CRL v2 to `sink` in chunks of about 64 KiB. The TBSCertList goes to
 * `signer.begin()` as it is produced, so memory does not grow with the number of entries. After a
 * rejection, what the sink received is not a CRL and must be discarded.
 *
 * `reuseChunks`: the sink copies each chunk before it returns, so every chunk can be written into the
 * same buffer (a sink that returns a promise still gets a fresh buffer each time).
 */
export async function writeCrl(params: CrlParams, sink: CrlSink, options: { readonly reuseChunks?: boolean } = {}): Promise<CrlWriteResult> {
  const head = encodeHead(params);
  const extensions = encodeCrlExtensions(params);
  const signatureLength = rsaSignatureLength(params.signer.publicKeySpki);

  // First pass: DER puts every length before its content, so the revoked list is measured first.
  let count = 0;
  let size = 0;
  await forEachEntry(params.entries(), (e) => {
    size += entrySize(e);
    count++;
  });

  const revokedSize = count === 0 ? 0 : headerSize(size) + size; // RFC 5280 5.1.2.6: absent when empty
  const tbsLength = head.length + revokedSize + extensions.length;
  const signatureBits = concat(header(TAG.BIT_STRING, signatureLength + 1), Uint8Array.of(0));
  const total = headerSize(tbsLength) + tbsLength + SHA256_WITH_RSA.length + signatureBits.length + signatureLength;

  const stream = params.signer.begin();
  const w = new ChunkWriter(sink, stream, options.reuseChunks === true);
  await w.put(header(TAG.SEQUENCE, total));
  w.startSigning();
  await w.put(header(TAG.SEQUENCE, tbsLength));
  await w.put(head);
  if (count > 0) {
    await w.put(header(TAG.SEQUENCE, size));
    const times = new TimeEncoder();
    let written = 0;
    let seen = 0;
    await forEachEntry(params.entries(), (e) => {
      const n = entrySize(e);
      written += n;
      seen++;
      if (written > size) throw entriesChanged();
      const wait = w.pos + MAX_ENTRY_SIZE > w.buf.length ? w.flush() : undefined;
      w.pos = writeEntry(w.buf, w.pos, e, n, times);
      return wait;
    });
    if (written !== size || seen !== count) throw entriesChanged();
  }
  await w.put(extensions);
  w.stopSigning();

  const signature = stream.finish();
  if (signature.length !== signatureLength) {
    throw new RevocationError('ERR_CRL_SIGNATURE_LENGTH', `the signer returned ${signature.length} bytes, its key announces ${signatureLength}`);
  }
  await w.put(SHA256_WITH_RSA);
  await w.put(signatureBits);
  await w.put(signature);
  await w.flush();
  return { entries: count, bytes: w.flushed };
}

/** `writeCrl` into memory: the whole DER of the CRL. */
export async function encodeCrlToBytes(params: CrlParams): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeCrl(params, (chunk) => void chunks.push(chunk));
  return concat(...chunks);
}

/**
 * Runs `step` over a sync or async iterable (of entries or of batches of entries), awaiting only what
 * `step` returns (a flush to an async sink) and the async source itself.
 */
async function forEachEntry(entries: Iterable<CrlEntry> | AsyncIterable<CrlEntry | readonly CrlEntry[]>, step: (e: CrlEntry) => Promise<void> | undefined | void): Promise<void> {
  if (Symbol.asyncIterator in entries) {
    for await (const item of entries) {
      if (!Array.isArray(item)) {
        const wait = step(item as CrlEntry);
        if (wait !== undefined) await wait;
        continue;
      }
      for (const e of item as readonly CrlEntry[]) {
        const wait = step(e);
        if (wait !== undefined) await wait;
      }
    }
    return;
  }
  for (const e of entries) {
    const wait = step(e);
    if (wait !== undefined) await wait;
  }
}

function entriesChanged(): RevocationError {
  return new RevocationError('ERR_CRL_ENTRIES_CHANGED', 'the entries function yielded different entries on its second call');
}

/** version, signature, issuer, thisUpdate, nextUpdate. */
function encodeHead(p: CrlParams): Uint8Array {
  checkName(p.issuer);
  const thisUpdate = timeMs(p.thisUpdate, 'ERR_CRL_TIME_RANGE', 'thisUpdate');
  const nextUpdate = timeMs(p.nextUpdate, 'ERR_CRL_TIME_RANGE', 'nextUpdate');
  // RFC 5280 5.1.2.5: "the date by which the next CRL will be issued" cannot precede this one.
  if (nextUpdate < thisUpdate) throw new RevocationError('ERR_CRL_UPDATE_ORDER', 'nextUpdate is before thisUpdate');
  return concat(
    VERSION_V2,
    SHA256_WITH_RSA,
    p.issuer,
    encodeTime(p.thisUpdate, false, 'ERR_CRL_TIME_RANGE', 'thisUpdate'),
    encodeTime(p.nextUpdate, false, 'ERR_CRL_TIME_RANGE', 'nextUpdate'),
  );
}

/** RFC 5280 5.1.2.3: "The issuer field MUST contain a non-empty X.500 distinguished name (DN)." */
function checkName(name: Uint8Array): void {
  try {
    const r = new DerReader(name, CRL_DER);
    const node = r.expect(TAG.SEQUENCE, 'issuer');
    r.finish('issuer');
    if (node.end === node.valueStart) throw new Error('empty Name');
  } catch (cause) {
    throw new RevocationError('ERR_CRL_ISSUER_INVALID', 'issuer is not the DER of a non-empty Name', { cause });
  }
}

/*
 * RFC 5280 5.2.1: "Conforming CRL issuers MUST use the key identifier method, and MUST include this
 * extension in all CRLs issued."  AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, ... }
 * RFC 5280 5.2.3: "CRL issuers conforming to this profile MUST include this extension in all CRLs and
 * MUST mark this extension as non-critical."  CRLNumber ::= INTEGER (0..MAX)
 */
function encodeCrlExtensions(p: CrlParams): Uint8Array {
  const keyId = p.authorityKeyIdentifier;
  if (!(keyId instanceof Uint8Array) || keyId.length === 0) {
    throw new RevocationError('ERR_CRL_KEY_ID_INVALID', 'authorityKeyIdentifier must be a non-empty key identifier');
  }
  const n = p.crlNumber;
  if (typeof n !== 'bigint' || n < 0n || n >= 1n << 159n) {
    throw new RevocationError('ERR_CRL_NUMBER_RANGE', 'crlNumber must be a bigint from 0 to 2^159 - 1 (20 octets)');
  }
  const aki = extension(OID.authorityKeyIdentifier, tlv(TAG.SEQUENCE, tlv(TAG.CONTEXT_PRIMITIVE_0, keyId)));
  const number = extension(OID.crlNumber, tlv(TAG.INTEGER, unsignedIntegerContent(n)));
  return tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, aki, number));
}
