import { initPage } from './common.js';

initPage('home');
