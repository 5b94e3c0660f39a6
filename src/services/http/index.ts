export { HttpProblem, problemDocument, toProblem, type ProblemDocument } from './problem.js';
export { createHttpServer, listen, close, json, type Handler, type Request, type Response, type Route, type ServerOptions, type ServerTimeouts } from './server.js';
export { bearerToken } from './bearer.js';
