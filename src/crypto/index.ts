export { AesCmac, aesCmac } from './cmac.js';
export { aesCbcEncrypt, aesCbcDecrypt, aesEncryptBlock, AES_BLOCK } from './aes.js';
export { padIso9797M2, unpadIso9797M2 } from './padding.js';
export { CryptoError, type CryptoErrorCode } from './errors.js';
export * from './scp03/index.js';
