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
