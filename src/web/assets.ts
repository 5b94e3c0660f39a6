import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../services/http/index.js';
import { WebError } from './errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Everything the pages load comes from this server (no CDN, no inline script or style), which the
 * policy says to the browser; the pages are never framed and send no referrer.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * Where the static files are. tsc does not copy them: the compiled module (dist/src/web) finds them in
 * the source folder beside dist (the package ships `src/web/static` with `dist/src`); a build that
 * copies them next to the module is preferred.
 */
export function staticFolder(): string {
  for (const candidate of ['./static/', '../../../src/web/static/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new WebError('ERR_WEB_STATIC_MISSING', 'the web interface files (src/web/static) are not installed');
}

/**
 * The pages and their assets, read once at start: `GET /` is the start page, `GET /<page>` each
 * `<page>.html`, `GET /assets/<file>` the style sheet, the modules and the icon. Only files that exist
 * at start are routes: no path from the request ever reaches the file system.
 */
export function assetRoutes(dir = staticFolder()): Route[] {
  const routes: Route[] = [];
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = new Uint8Array(readFileSync(`${dir}${name}`));
    const response = { status: 200, headers: { 'content-type': type, ...SECURITY_HEADERS }, body };
    if (name === 'index.html') routes.push({ method: 'GET', pattern: '/', handler: () => response });
    else if (name.endsWith('.html')) routes.push({ method: 'GET', pattern: `/${name.slice(0, -5)}`, handler: () => response });
    else routes.push({ method: 'GET', pattern: `/assets/${name}`, handler: () => response });
  }
  return routes;
}
