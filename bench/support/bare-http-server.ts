/**
 * Child process of bench/ocsp.ts: the floor of any Node.js HTTP responder on this machine. A bare
 * node:http server that reads each request body and answers it with the same fixed bytes (an OCSP
 * answer of ours, captured), doing no routing, no parsing and no lookup. What the service costs above
 * this is what its own code adds; prints `listening PORT`, stops on SIGTERM or when its parent goes.
 *
 *   node dist/bench/support/bare-http-server.js ANSWER.der
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = readFileSync(process.argv[2]!);
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': String(body.length) });
    res.end(body);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
const parent = process.ppid;
const stop = () => server.close(() => process.exit(0)) && server.closeAllConnections();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
setTimeout(() => process.exit(1), 600_000).unref();
