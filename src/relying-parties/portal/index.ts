// The Mynaportal-like portal: login with the user-authentication certificate, sessions, the holder's
// identity and certificates, applications signed with the signature certificate (docs/relying-parties.md).
export { Portal, type PortalOptions, type PortalSession, type LoginChallengeView, type LoginResult } from './portal.js';
export { PortalApplications, APPLICATION_TYPE, APPLICATION_MEDIA_TYPE, SIGNATURE_MEDIA_TYPE } from './applications.js';
export { FORMS, formById, fillForm, type FormDefinition, type FormField, type FieldType } from './forms.js';
export { PortalError, PORTAL_ERROR_CODES, type PortalErrorCode } from './errors.js';
export { portalRoutes, portalStatusOf, sessionToken, PORTAL_PREFIX, SESSION_COOKIE, type PortalRoutesOptions } from './http.js';
