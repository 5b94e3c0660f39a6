import { bearerToken, HttpProblem, json, type Request, type Response, type Route } from '../../services/http/index.js';
import { type Json } from '../../services/http/validate.js';
import { TOKEN_PATTERN } from '../shared/ids.js';
import { toJson } from '../shared/json.js';
import { translated, type SdkContext } from '../shared/problems.js';
import { body, certificateField, idField, noMembers, noQuery, signatureField } from '../shared/request.js';
import { APPLICATION_MEDIA_TYPE, SIGNATURE_MEDIA_TYPE } from './applications.js';
import { PortalError, type PortalErrorCode } from './errors.js';
import { FORMS, formById } from './forms.js';
import type { Portal, PortalSession } from './portal.js';

/** The path prefix of the portal's routes. */
export const PORTAL_PREFIX = '/portal/v1';

/** The session cookie (HttpOnly, SameSite=Strict, Path=/portal/v1). */
export const SESSION_COOKIE = 'jpki_portal_session';

const STATUS: Readonly<Record<PortalErrorCode, number>> = {
  ERR_PORTAL_UNAUTHENTICATED: 401,
  ERR_PORTAL_SESSION_EXPIRED: 401,
  ERR_PORTAL_CHALLENGE_UNKNOWN: 404,
  ERR_PORTAL_FORM_UNKNOWN: 404,
  ERR_PORTAL_FORM_FIELD: 400,
  ERR_PORTAL_DRAFT_UNKNOWN: 404,
  ERR_PORTAL_DRAFT_EXPIRED: 410,
  ERR_PORTAL_DRAFT_USED: 409,
  ERR_PORTAL_SIGNER_MISMATCH: 403,
  ERR_PORTAL_APPLICATION_UNKNOWN: 404,
  ERR_PORTAL_NO_DIRECTORY: 501,
};

/** Maps the portal's codes to HTTP statuses (the one place this happens, style rule 8). */
export function portalStatusOf(code: string): number | undefined {
  return STATUS[code as PortalErrorCode];
}

export interface PortalRoutesOptions {
  /** Adds `Secure` to the session cookie: set it when the portal is served over HTTPS. */
  readonly secureCookie?: boolean;
}

/** The session token of a request: `Authorization: Bearer <token>`, else the session cookie. */
export function sessionToken(req: Request): string | undefined {
  const bearer = bearerToken(req.headers.authorization, { min: 43, max: 43 });
  if (bearer !== undefined) return TOKEN_PATTERN.test(bearer) ? bearer : undefined;
  const cookie = req.headers.cookie;
  if (cookie === undefined || cookie.length > 8192) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return TOKEN_PATTERN.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${PORTAL_PREFIX}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

async function edge<T>(context: SdkContext, work: () => Promise<T>): Promise<T> {
  try {
    return await translated(context, work);
  } catch (err) {
    if (err instanceof PortalError) {
      const status = STATUS[err.code];
      throw new HttpProblem(status, err.code, err.message, { cause: err, ...(status === 401 ? { headers: { 'www-authenticate': 'Bearer realm="portal"' } } : {}) });
    }
    throw err;
  }
}

function ok(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return json(status, toJson(value), { 'cache-control': 'no-store', ...headers });
}

/**
 * The portal's HTTP interface under /portal/v1 (docs/relying-parties.md has every request and answer).
 * A session is the token `POST /login` answered, sent as the HttpOnly cookie or as a bearer token.
 */
export function portalRoutes(portal: Portal, options: PortalRoutesOptions = {}): Route[] {
  const P = PORTAL_PREFIX;
  const secure = options.secureCookie ?? false;
  const withSession = (context: SdkContext, fn: (session: PortalSession, req: Request) => Promise<Response>) => (req: Request) =>
    edge(context, async () => fn(await portal.authenticate(sessionToken(req)), req));
  return [
    { method: 'GET', pattern: `${P}/forms`, handler: (req) => (noQuery(req), ok(200, { forms: FORMS })) },
    { method: 'GET', pattern: `${P}/forms/:formId`, handler: (req) => edge('document', async () => (noQuery(req), ok(200, formById(req.params.formId!)))) },
    {
      method: 'POST',
      pattern: `${P}/login/challenges`,
      maxBody: 1024,
      handler: (req) =>
        edge('login', async () => {
          noMembers(req);
          return ok(201, await portal.startLogin());
        }),
    },
    {
      method: 'POST',
      pattern: `${P}/login`,
      maxBody: 32 * 1024,
      handler: (req) =>
        edge('login', async () => {
          const b = body(req, ['challengeId', 'certificate', 'signature']);
          const answer = { challengeId: idField(b, 'challengeId'), certificate: certificateField(b), signature: signatureField(b) };
          const { token, session } = await portal.login(answer);
          const maxAge = Math.floor((session.expiresAt.getTime() - session.createdAt.getTime()) / 1000);
          return ok(
            201,
            { token, session: { id: session.id, holder: session.holder, certificateSerial: session.certificateSerial, createdAt: session.createdAt, expiresAt: session.expiresAt } },
            { 'set-cookie': cookie(token, maxAge, secure) },
          );
        }),
    },
    {
      method: 'POST',
      pattern: `${P}/logout`,
      maxBody: 1024,
      handler: (req) =>
        edge('login', async () => {
          noMembers(req);
          await portal.logout(sessionToken(req));
          return { status: 204, headers: { 'set-cookie': cookie('', 0, secure), 'cache-control': 'no-store' } };
        }),
    },
    { method: 'GET', pattern: `${P}/me`, handler: withSession('login', async (s, req) => (noQuery(req), ok(200, await portal.me(s)))) },
    { method: 'GET', pattern: `${P}/me/certificates`, handler: withSession('login', async (s, req) => (noQuery(req), ok(200, await portal.myCertificates(s)))) },
    {
      method: 'POST',
      pattern: `${P}/applications/drafts`,
      maxBody: 32 * 1024,
      handler: withSession('document', async (s, req) => {
        const b: Json = body(req, ['formId', 'fields']);
        return ok(201, await portal.applications.createDraft(s, { formId: idField(b, 'formId'), fields: b.fields }));
      }),
    },
    {
      method: 'POST',
      pattern: `${P}/applications`,
      maxBody: 32 * 1024,
      handler: withSession('document', async (s, req) => {
        const b = body(req, ['draftId', 'signature', 'certificate']);
        const input = { draftId: idField(b, 'draftId'), signature: signatureField(b), certificate: certificateField(b) };
        return ok(201, await portal.applications.submit(s, input));
      }),
    },
    { method: 'GET', pattern: `${P}/applications`, handler: withSession('document', async (s, req) => (noQuery(req), ok(200, { applications: await portal.applications.list(s) }))) },
    {
      method: 'GET',
      pattern: `${P}/applications/:id`,
      handler: withSession('document', async (s, req) => {
        noQuery(req);
        const { content: _content, cms: _cms, ...view } = await portal.applications.get(s, req.params.id!);
        return ok(200, view);
      }),
    },
    {
      method: 'GET',
      pattern: `${P}/applications/:id/content`,
      handler: withSession('document', async (s, req) => {
        const a = await portal.applications.get(s, req.params.id!);
        return { status: 200, headers: { 'content-type': APPLICATION_MEDIA_TYPE, 'content-disposition': `attachment; filename="${a.applicationId}.json"`, 'cache-control': 'no-store' }, body: a.content };
      }),
    },
    {
      method: 'GET',
      pattern: `${P}/applications/:id/cms`,
      handler: withSession('document', async (s, req) => {
        const a = await portal.applications.get(s, req.params.id!);
        return { status: 200, headers: { 'content-type': SIGNATURE_MEDIA_TYPE, 'content-disposition': `attachment; filename="${a.applicationId}.p7s"`, 'cache-control': 'no-store' }, body: a.cms };
      }),
    },
  ];
}
