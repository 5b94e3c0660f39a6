// PIN hashing is shared with the secure element's JPKI applet (src/devices/applets/jpki/secret.ts).
export { DEFAULT_SCRYPT_COST, SECRET_SIZES, hashSecret, isScryptCost, secretMatches, type RandomSource, type ScryptCost, type SecretHash } from '../applets/jpki/secret.js';
