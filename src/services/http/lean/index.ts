/**
 * A lean HTTP/1.1 server for endpoints answered from memory (the OCSP responder): an incremental,
 * bounded request parser, pipelining and keep-alive, deadlines for slow clients, problem+json errors,
 * sharing the port of the node:http server (see server.ts).
 */
export { LeanHttpError, type LeanHttpErrorCode } from './errors.js';
export type { RequestHead } from './request-head.js';
export { RequestParser, DEFAULT_PARSER_LIMITS, NEED_MORE, HEAD, REQUEST, type ParserLimits, type Step } from './request-parser.js';
export { ChunkedDecoder, type ChunkedLimits } from './chunked.js';
export { sniff, SNIFF_MORE, SNIFF_CLAIMED, SNIFF_OTHER, type Sniff } from './sniff.js';
export { problemReply, ResponseEncoder, CLOSE, KEEP_ALIVE, type LeanReply, type Persistence } from './response.js';
export type { LeanEndpoint, LeanRoute, LeanTimeouts } from './context.js';
export { shareLean, closeIdleLean, type LeanOptions, type LeanAttachment } from './server.js';
