import { JPKI_APP_PACKAGE } from '../app/index.js';
import { WebError } from './errors.js';

/** An app the store offers (the emulation's Google Play: one publisher, one app). */
export interface StoreApp {
  readonly packageName: string;
  readonly name: string;
  readonly nameJa: string;
  readonly publisher: string;
  readonly publisherJa: string;
  readonly summary: string;
  readonly summaryJa: string;
}

const CATALOGUE: readonly (StoreApp & { readonly keywords: readonly string[] })[] = [
  {
    packageName: JPKI_APP_PACKAGE,
    name: 'JPKI smartphone app',
    nameJa: 'JPKI スマホ用電子証明書アプリ',
    publisher: 'J-LIS (emulation)',
    publisherJa: '地方公共団体情報システム機構（エミュレーション）',
    summary: 'Put the certificates of your Individual Number Card on this phone, and use them to log in and sign.',
    summaryJa: 'マイナンバーカードの電子証明書をスマートフォンに搭載し、ログインや署名に使います。',
    keywords: ['jpki', 'mynumber', 'my number', 'individual number', 'certificate', 'mynaportal', 'マイナ', 'マイナンバー', '公的個人認証', '電子証明書', 'スマホ用電子証明書'],
  },
];

/** Apps whose name, publisher or keywords contain the query (case-insensitive; an empty query lists all). */
export function searchStore(query: string): StoreApp[] {
  const q = query.trim().toLowerCase();
  return CATALOGUE.filter((a) => q === '' || [a.name, a.nameJa, a.publisher, a.publisherJa, a.packageName, ...a.keywords].some((t) => t.toLowerCase().includes(q))).map(
    ({ keywords: _keywords, ...app }) => app,
  );
}

export function storeApp(packageName: string): StoreApp {
  const app = searchStore('').find((a) => a.packageName === packageName);
  if (!app) throw new WebError('ERR_WEB_APP_UNKNOWN', `the store has no app '${packageName}'`);
  return app;
}
