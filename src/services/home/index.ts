export {
  HomeError,
  type HomeErrorCode,
  type HomeConfig,
  resolveHome,
  defaultConfig,
  createHome,
  loadConfig,
  databaseConfig,
  readSecret,
  writeSecret,
} from './home.js';
export { secretFromEnv, secretInEnvironment, readSecretFile, type SecretSourceOptions } from './secret-source.js';
