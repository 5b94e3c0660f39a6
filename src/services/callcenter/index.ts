// The call centre (flow 8): operator look-up of a person, suspension, release and revocation of their phone certificates.
export { CallCentre, type PersonQuery, type PersonView } from './call-centre.js';
export { callCentreRoutes, callCentreStatusOf } from './http.js';
export { CallCentreError, type CallCentreErrorCode } from './errors.js';
