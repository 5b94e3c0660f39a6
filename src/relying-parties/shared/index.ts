// What the three relying parties share: trust anchors, the certification service's directory, the
// database challenge store, detached signing in two round trips, canonical documents, ids, HTTP edge.
export { sdkAnchors, type TrustAnchors } from './anchors.js';
export type { JpkiDirectory, DirectoryCertificate, DirectoryPerson, DirectoryHierarchy, DirectoryStatus } from './directory.js';
export { HttpJpkiDirectory, type HttpJpkiDirectoryOptions, type DirectoryFetch } from './http-directory.js';
export { DirectoryError, type DirectoryErrorCode } from './errors.js';
export { DatabaseChallengeStore } from './challenge-store.js';
export { signingRequest, completeSignature, type SigningRequest } from './detached-signing.js';
export { encodeDocument, decodeDocument } from './documents.js';
export { newId, newToken, tokenHash, ID_PATTERN, TOKEN_PATTERN, type Random } from './ids.js';
export { sdkProblem, directoryProblem, translated, type SdkContext } from './problems.js';
export { toJson } from './json.js';
