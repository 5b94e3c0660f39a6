import { JpkiMobileError } from '../../errors/index.js';

export type HomeErrorCode = 'ERR_HOME_MISSING' | 'ERR_HOME_EXISTS' | 'ERR_HOME_CONFIG' | 'ERR_HOME_SECRET' | 'ERR_HOME_SECRET_FILE';

export class HomeError extends JpkiMobileError<HomeErrorCode> {}
