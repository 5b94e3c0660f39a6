import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { PhoneError } from './errors.js';

const MODE = 0o600;

/**
 * The phone's hardware key as a file of 32 raw bytes, owner-only (0600), made once and never changed:
 * the software stand-in for a key fused into the phone's trusted environment. It is kept apart from
 * the state document, so a copy of the state alone does not open the keystore. A factory reset keeps
 * it (it is hardware); the keys sealed under it are deleted.
 */
export async function loadOrCreateDeviceKey(path: string): Promise<Uint8Array> {
  try {
    const key = new Uint8Array(await readFile(path));
    if (key.length !== 32) throw new PhoneError('ERR_PHONE_DEVICE_KEY', `${path} is not a 32-byte device key`);
    return key;
  } catch (err) {
    if (!(typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT')) throw err;
  }
  const key = new Uint8Array(randomBytes(32));
  const handle = await open(path, 'wx', MODE);
  try {
    await handle.writeFile(key);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return key;
}
