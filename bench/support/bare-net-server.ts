/**
 * Child process of bench/ocsp.ts: the floor of any Node.js responder on raw sockets. A net.Server that
 * finds the end of each request (head, then Content-Length bytes) and answers it with the same fixed
 * bytes (an OCSP answer of ours, captured), closing the connection at once when the request said
 * `Connection: close`. No parsing beyond that, no routing, no lookup, no Date: what the lean server of
 * the service costs above this is its own HTTP and OCSP work. Prints `listening PORT`, stops on SIGTERM
 * or when its parent goes.
 *
 *   node dist/bench/support/bare-net-server.js ANSWER.der
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

const body = readFileSync(process.argv[2]!);
const head = (close: boolean) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1');
const keepAlive = Buffer.concat([head(false), body]);
const close = Buffer.concat([head(true), body]);
const END = Buffer.from('\r\n\r\n');
const CLOSE = Buffer.from('\r\nConnection: close\r\n', 'latin1');
const LENGTH = Buffer.from('\r\nContent-Length: ', 'latin1');

const server = createServer({ allowHalfOpen: false }, (socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf(END);
      if (end < 0) return;
      const at = pending.indexOf(LENGTH);
      let length = 0;
      if (at >= 0 && at < end) for (let i = at + LENGTH.length; pending[i]! >= 0x30 && pending[i]! <= 0x39; i++) length = length * 10 + pending[i]! - 0x30;
      if (pending.length < end + 4 + length) return;
      const last = pending.subarray(0, end + 2).indexOf(CLOSE) >= 0;
      pending = pending.subarray(end + 4 + length);
      if (last) {
        socket.write(close);
        if (socket.writableLength === 0) socket.destroy();
        else socket.end();
        return;
      }
      socket.setNoDelay(true);
      socket.write(keepAlive);
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
const parent = process.ppid;
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
setTimeout(() => process.exit(1), 600_000).unref();
