// Bilingual labels: every element with data-i18n="key" gets its text in the chosen language, and
// data-i18n-attr="attr:key,attr:key" does the same for attributes (aria-label, placeholder, title).
// The choice is remembered in localStorage and set as <html lang>.

import { KIOSK_LABELS, KIOSK_PROBLEMS } from './i18n-kiosk.js';
import { PHONE_LABELS } from './i18n-phone.js';

const STORAGE_KEY = 'jpki-mobile.lang';

/** @type {Record<string, {ja: string, en: string}>} */
const LABELS = {
  'site.title': { ja: 'jpki-mobile 公的個人認証', en: 'jpki-mobile public personal authentication' },
  'site.skip': { ja: '本文へ移動', en: 'Skip to content' },
  'site.nav': { ja: '主なページ', en: 'Main pages' },
  'site.lang': { ja: 'English', en: '日本語' },
  'site.langLabel': { ja: '表示言語を英語に切り替える', en: 'Switch the language to Japanese' },
  'site.emulation': { ja: 'エミュレーション環境（J-LIS ではありません）', en: 'Emulation (not J-LIS)' },
  'page.home': { ja: 'はじめに', en: 'Start' },
  'page.office': { ja: '市区町村窓口', en: 'Municipal office' },
  'page.portal': { ja: 'ポータル', en: 'Portal' },
  'page.bank': { ja: '銀行', en: 'Bank' },
  'page.kiosk': { ja: 'コンビニ交付', en: 'Kiosk' },
  'page.inspector': { ja: '内部の確認', en: 'Inspector' },
  'page.phone': { ja: 'スマートフォン', en: 'Phone' },
  'page.callcenter': { ja: 'コールセンター', en: 'Call centre' },
  'page.shop': { ja: '携帯電話ショップ', en: 'Phone shop' },
  'home.intro': {
    ja: 'マイナンバーカードとスマートフォン用電子証明書の仕組みに関わる各当事者の画面です。カードとスマートフォンはサーバー側でエミュレートされています。',
    en: 'The screens of each party of the Individual Number Card and smartphone certificate system. The card and the phone are emulated on the server.',
  },
  'home.parties': { ja: '当事者', en: 'Parties' },
  'home.office': { ja: '職員がログインし、カードを交付し、証明書を失効させます。', en: 'An operator logs in, issues cards and revokes certificates.' },
  'home.portal': { ja: 'カードでログインし、署名付きの申請を送ります。', en: 'Log in with a card and send signed applications.' },
  'home.bank': { ja: 'カードの署名用電子証明書で口座を開設します。', en: 'Open an account with the card\u2019s signature certificate.' },
  'home.kiosk': { ja: 'カードやスマートフォンをリーダーにかざして住民票の写しを受け取ります。', en: 'Get a certificate of residence with the card or phone held to the kiosk\u2019s reader.' },
  'home.inspector': { ja: '証明書の状態、紐付け、TSM セッション、監査ログを見ます（管理者）。', en: 'Certificates and their states, links, TSM sessions, the audit log (administrator).' },
  'home.later': { ja: '準備中', en: 'Coming with their services' },
  'home.phone': { ja: 'アプリの検索とインストール、アプレットの準備、発行、利用、暗証番号の変更と再設定、機種変更、初期化。', en: 'App search and install, applet preparation, issuance, use, PIN change and re-initialisation, model change, factory reset.' },
  'home.shop': { ja: '持ち込まれた端末に JPKI の鍵が残っていないかを確認し、残っていれば初期化します。', en: 'Check a handset brought in for JPKI keys; reset it if any are left.' },
  'home.callcenter': { ja: 'オペレーターのログイン、一時停止、削除指示。', en: 'Operator login, suspension, deletion orders.' },
  'common.card': { ja: 'カード', en: 'Card' },
  'common.chooseCard': { ja: 'カードを選ぶ', en: 'Choose a card' },
  'common.noCards': { ja: 'カードがありません。市区町村窓口で交付してください。', en: 'No cards yet: have one issued at the municipal office.' },
  'common.refresh': { ja: '再読み込み', en: 'Reload' },
  'common.name': { ja: '氏名', en: 'Name' },
  'common.address': { ja: '住所', en: 'Address' },
  'common.birthDate': { ja: '生年月日', en: 'Date of birth' },
  'common.sex': { ja: '性別', en: 'Sex' },
  'common.sex1': { ja: '男', en: 'Male' },
  'common.sex2': { ja: '女', en: 'Female' },
  'common.sex3': { ja: '不明', en: 'Not stated' },
  'common.serial': { ja: 'シリアル番号', en: 'Serial' },
  'common.status': { ja: '状態', en: 'Status' },
  'common.reason': { ja: '理由', en: 'Reason' },
  'common.use': { ja: '用途', en: 'Use' },
  'common.holder': { ja: '媒体', en: 'Holder' },
  'common.notAfter': { ja: '有効期限', en: 'Valid until' },
  'common.signCert': { ja: '署名用電子証明書', en: 'Signature certificate' },
  'common.authCert': { ja: '利用者証明用電子証明書', en: 'User-authentication certificate' },
  'common.password': { ja: '署名用パスワード（英大文字と数字 6〜16 文字）', en: 'Signature password (6 to 16 of A-Z and 0-9)' },
  'common.working': { ja: '処理中…', en: 'Working…' },
  'common.error': { ja: 'エラー', en: 'Error' },
  'common.logout': { ja: 'ログアウト', en: 'Log out' },
  'common.token': { ja: 'トークン', en: 'Token' },
  'common.save': { ja: '保存', en: 'Save' },
  'common.forget': { ja: 'トークンを消去', en: 'Forget the token' },
  'common.tokenSaved': { ja: 'トークンはこのタブの間だけ保持されます。', en: 'The token is kept for this tab only.' },
  'pinpad.label': { ja: '暗証番号（数字 4 桁）', en: 'PIN (4 digits)' },
  'pinpad.keys': { ja: '暗証番号パッド', en: 'PIN pad' },
  'pinpad.delete': { ja: '1 文字消す', en: 'Delete one digit' },
  'pinpad.clear': { ja: 'クリア', en: 'Clear' },
  'pinpad.ok': { ja: '確定', en: 'OK' },
  'pinpad.entered': { ja: '桁入力済み', en: 'digits entered' },
  'office.login': { ja: '職員ログイン', en: 'Operator login' },
  'office.tokenHelp': { ja: '窓口のオペレータートークン（secrets/operators/ID.token）を貼り付けます。', en: 'Paste the office operator token (secrets/operators/ID.token).' },
  'office.loggedIn': { ja: 'ログイン中', en: 'Logged in' },
  'office.issue': { ja: 'カードの交付', en: 'Issue a card' },
  'office.issueHelp': { ja: '基本４情報を入力し、本人に暗証番号とパスワードを設定してもらいます。', en: 'Enter the basic four information; the holder sets the PIN and the password.' },
  'office.nameHelp': { ja: '姓と名の間は全角スペース', en: 'A full-width space between surname and given name' },
  'office.cardExpiry': { ja: 'カードの有効期限（空欄で既定）', en: 'Card expiry (empty: the default)' },
  'office.pin': { ja: '利用者証明用暗証番号（数字 4 桁）', en: 'User-authentication PIN (4 digits)' },
  'office.issueButton': { ja: '交付する', en: 'Issue the card' },
  'office.issued': { ja: 'カードを交付しました', en: 'Card issued' },
  'office.cards': { ja: '交付済みのカード', en: 'Issued cards' },
  'office.revoke': { ja: '電子証明書の失効・一時停止', en: 'Revoke, hold or release a certificate' },
  'office.revokeReason': { ja: '失効の理由', en: 'Reason for revocation' },
  'office.holdHelp': {
    ja: '一時停止（certificateHold）は解除できます。署名用電子証明書の一時停止は解除できません（失効させて再発行します）。失効は取り消せません。',
    en: 'A hold (certificateHold) can be released, except on a signature certificate (revoke it and issue a new one). A revocation is final.',
  },
  'office.holdButton': { ja: '一時停止する', en: 'Hold (suspend)' },
  'office.releaseButton': { ja: '一時停止を解除する', en: 'Release the hold' },
  'office.held': { ja: '一時停止しました', en: 'Held (suspended)' },
  'office.released': { ja: '一時停止を解除しました', en: 'Hold released' },
  'office.certificate': { ja: '証明書', en: 'Certificate' },
  'office.revokeButton': { ja: '失効させる', en: 'Revoke' },
  'office.revoked': { ja: '失効しました', en: 'Revoked' },
  'office.states': { ja: '証明書の状態', en: 'Certificate states' },
  'reason.affiliationChanged': { ja: '基本４情報の変更（affiliationChanged）', en: 'Basic four changed (affiliationChanged)' },
  'reason.keyCompromise': { ja: '紛失・盗難（keyCompromise）', en: 'Lost or stolen (keyCompromise)' },
  'reason.cessationOfOperation': { ja: '廃止（cessationOfOperation）', en: 'Cessation (cessationOfOperation)' },
  'reason.superseded': { ja: '更新（superseded）', en: 'Superseded (superseded)' },
  'reason.unspecified': { ja: '理由なし（unspecified）', en: 'Unspecified (unspecified)' },
  'portal.login': { ja: 'ログイン', en: 'Log in' },
  'portal.loginHelp': { ja: 'カードをリーダーに置き、利用者証明用暗証番号を入力してください。', en: 'Put the card on the reader and enter its user-authentication PIN.' },
  'portal.loginButton': { ja: 'ログイン', en: 'Log in' },
  'portal.me': { ja: 'わたしの情報', en: 'About me' },
  'portal.apply': { ja: '電子申請', en: 'Applications' },
  'portal.form': { ja: '申請の種類', en: 'Form' },
  'portal.prepare': { ja: '申請書を作成', en: 'Prepare the application' },
  'portal.document': { ja: '署名する内容', en: 'What you sign' },
  'portal.signSubmit': { ja: '署名して送信', en: 'Sign and submit' },
  'portal.submitted': { ja: '申請を受け付けました', en: 'Application received' },
  'portal.applicationId': { ja: '受付番号', en: 'Application id' },
  'portal.cms': { ja: '署名データ（CMS）', en: 'Signature (CMS)' },
  'portal.content': { ja: '申請データ（JSON）', en: 'Signed content (JSON)' },
  'portal.myCerts': { ja: 'わたしの電子証明書', en: 'My certificates' },
  'portal.myApplications': { ja: '申請の履歴', en: 'My applications' },
  'bank.open': { ja: '口座開設', en: 'Open an account' },
  'bank.openHelp': { ja: '規定を確認し、カードの署名用電子証明書で署名します（犯罪収益移転防止法の本人確認）。', en: 'Read the terms and sign them with the card\u2019s signature certificate (identity verification).' },
  'bank.start': { ja: '規定を表示', en: 'Show the terms' },
  'bank.terms': { ja: '規定', en: 'Terms' },
  'bank.sign': { ja: '署名して申し込む', en: 'Sign and apply' },
  'bank.opened': { ja: '口座を開設しました', en: 'Account opened' },
  'bank.account': { ja: '口座番号', en: 'Account number' },
  'bank.verified': { ja: '電子証明書で確認した本人情報', en: 'Identity verified by the certificate' },
  'inspector.login': { ja: '管理者トークン', en: 'Administrator token' },
  'inspector.tokenHelp': { ja: 'secrets/admin.token を貼り付けます。', en: 'Paste secrets/admin.token.' },
  'inspector.load': { ja: '読み込む', en: 'Load' },
  'inspector.certificates': { ja: '電子証明書と状態', en: 'Certificates and their states' },
  'inspector.links': { ja: 'カードとスマートフォンの紐付け', en: 'Card \u2192 phone links' },
  'inspector.noLinks': { ja: '紐付けはありません。', en: 'No links.' },
  'inspector.sessions': { ja: 'TSM セッション', en: 'TSM sessions' },
  'inspector.noSessions': { ja: 'セッションはありません。', en: 'No sessions.' },
  'inspector.trace': { ja: 'APDU トレース（秘匿済み）', en: 'APDU trace (redacted)' },
  'inspector.showTrace': { ja: 'トレース', en: 'Trace' },
  'inspector.push': { ja: 'プッシュ通知', en: 'Push messages' },
  'inspector.pushHelp': {
    ja: 'TSM などの送信者からアプリへのメッセージ（新しい順に 50 件）。トークンは表示しません。目的は配信前のみ表示されます。',
    en: 'Messages from the senders (the TSMs) to the apps, newest first, 50 at a time. Tokens are never shown; the purpose only until the message is final.',
  },
  'inspector.noPush': { ja: 'メッセージはありません。', en: 'No messages.' },
  'inspector.sender': { ja: '送信者', en: 'Sender' },
  'inspector.app': { ja: 'アプリ', en: 'App' },
  'inspector.attempts': { ja: '配信回数', en: 'Attempts' },
  'inspector.finished': { ja: '確定', en: 'Final at' },
  'inspector.older': { ja: '前の 50 件', en: 'Older' },
  'inspector.newest': { ja: '最新に戻る', en: 'Newest' },
  'inspector.audit': { ja: '監査ログ', en: 'Audit log' },
  'inspector.seq': { ja: '番号', en: 'Seq' },
  'inspector.at': { ja: '日時', en: 'Time' },
  'inspector.actor': { ja: '実行者', en: 'Actor' },
  'inspector.action': { ja: '操作', en: 'Action' },
  'inspector.subject': { ja: '対象', en: 'Subject' },
  'inspector.device': { ja: '媒体', en: 'Device' },
  'inspector.hierarchy': { ja: '種類', en: 'Kind' },
  'inspector.linked': { ja: '紐付け先', en: 'Linked to' },
  'inspector.purpose': { ja: '目的', en: 'Purpose' },
  'inspector.state': { ja: '状態', en: 'State' },
  'inspector.created': { ja: '開始', en: 'Started' },
  'common.choosePhone': { ja: 'スマートフォンを選ぶ', en: 'Choose a phone' },
  'common.noPhones': { ja: '電子証明書を搭載したスマートフォンがありません。スマートフォンのページで発行してください。', en: 'No phone with certificates yet: issue them on the phone page.' },
  'common.fingerprintOn': { ja: '指紋認証あり', en: 'fingerprint unlock' },
  'common.loginWith': { ja: 'ログインに使うもの', en: 'Log in with' },
  'common.signWith': { ja: '署名に使うもの', en: 'Sign with' },
  'common.withCard': { ja: 'マイナンバーカードで', en: 'With the card' },
  'common.withPhone': { ja: 'スマートフォンで', en: 'With the phone' },
  'common.unlockWith': { ja: '本人確認の方法', en: 'Unlock with' },
  'common.byPin': { ja: '暗証番号', en: 'The PIN' },
  'common.byFinger': { ja: '指紋', en: 'A fingerprint' },
  'portal.loginPhoneHelp': { ja: 'スマートフォンの利用者証明用電子証明書でログインします。暗証番号か指紋で本人確認します。', en: 'Log in with the phone\u2019s user-authentication certificate, unlocked by the PIN or a fingerprint.' },
  'portal.signWithCard': { ja: 'マイナンバーカードの署名用パスワードで署名します。', en: 'Signed with the card\u2019s signature password.' },
  'portal.signWithPhone': { ja: 'スマートフォンの署名用パスワードで署名します。', en: 'Signed with the phone\u2019s signature password.' },
  ...PHONE_LABELS,
  ...KIOSK_LABELS,
};

/** What a problem code means to the person in front of the screen. */
const PROBLEMS = {
  ERR_RP_CERT_REVOKED: { ja: 'この電子証明書は失効しているため使えません。', en: 'This certificate has been revoked and can no longer be used.' },
  ERR_RP_CERT_SUSPENDED: { ja: 'この電子証明書は一時停止中です。コールセンターに連絡するか、カードを使ってください。', en: 'This certificate is suspended: contact the call centre, or use the card.' },
  ERR_RP_CERT_EXPIRED: { ja: '電子証明書の有効期限が切れています。', en: 'The certificate has expired.' },
  ERR_RP_STATUS_UNAVAILABLE: { ja: '失効情報を確認できません。しばらくしてから再度お試しください。', en: 'Certificate status is unavailable: try again later.' },
  ERR_RP_CHALLENGE_EXPIRED: { ja: '時間切れです。最初からやり直してください。', en: 'Too late: start again.' },
  ERR_JPKI_AP_PIN_INCORRECT: { ja: '暗証番号またはパスワードが違います。', en: 'Wrong PIN or password.' },
  ERR_JPKI_AP_PIN_BLOCKED: { ja: 'ロックされています。市区町村窓口で再設定してください。', en: 'Blocked: have it reset at the municipal office.' },
  ERR_JPKI_AP_PIN_FORMAT: { ja: '暗証番号は数字 4 桁、パスワードは英大文字と数字 6〜16 文字です。', en: 'The PIN is 4 digits, the password 6 to 16 of A-Z and 0-9.' },
  ERR_JPKI_UNAUTHENTICATED: { ja: 'トークンが正しくありません。', en: 'The token is not valid.' },
  ERR_JPKI_FORBIDDEN: { ja: 'この操作の権限がありません。', en: 'This operator may not do that.' },
  ERR_JPKI_ALREADY_REVOKED: { ja: 'すでに失効しています。', en: 'Already revoked.' },
  ERR_JPKI_ALREADY_HELD: { ja: 'すでに一時停止中です。', en: 'Already held.' },
  ERR_JPKI_NOT_HELD: { ja: '一時停止されていません。', en: 'Not held.' },
  ERR_JPKI_RELEASE_SIGNATURE: { ja: '署名用電子証明書の一時停止は解除できません。失効させて再発行してください。', en: 'A held signature certificate is not released: revoke it and issue a new one.' },
  ERR_JPKI_REASON_NOT_ALLOWED: { ja: 'この操作はこの証明書にはできません。', en: 'That cannot be done to this certificate.' },
  ERR_PORTAL_UNAUTHENTICATED: { ja: 'ログインしてください。', en: 'Please log in.' },
  ERR_PORTAL_SESSION_EXPIRED: { ja: 'ログインの有効時間が過ぎました。', en: 'The session expired: log in again.' },
  ERR_REQUEST_FIELD: { ja: '入力内容を確認してください。', en: 'Check what you entered.' },
  ERR_APP_SECRET_WRONG: { ja: '暗証番号またはパスワードが違います。', en: 'Wrong PIN or password.' },
  ERR_APP_SECRET_BLOCKED: { ja: 'ロックされています。カードを使って再設定してください。', en: 'Blocked: re-initialise it with your card.' },
  ERR_APP_SECRET_FORMAT: { ja: '暗証番号は数字 4 桁、パスワードは英大文字と数字 6〜16 文字です。2 回とも同じものを入力してください。', en: 'The PIN is 4 digits, the password 6 to 16 of A-Z and 0-9; enter the same twice.' },
  ERR_APP_CARD_PASSWORD_WRONG: { ja: 'カードの署名用パスワードが違います。', en: 'The card\u2019s signature password is wrong.' },
  ERR_APP_CARD_PASSWORD_BLOCKED: { ja: 'カードの署名用パスワードがロックされています。市区町村窓口で再設定してください。', en: 'The card\u2019s signature password is blocked: have it reset at the municipal office.' },
  ERR_APP_BIOMETRIC_FAILED: { ja: '指紋が一致しません。もう一度試すか、暗証番号を使ってください。', en: 'Fingerprint not recognised: try again or use the PIN.' },
  ERR_APP_BIOMETRIC_UNAVAILABLE: { ja: '指紋認証が使えません。暗証番号を入力してください。', en: 'Fingerprint unlock is not available: enter the PIN.' },
  ERR_APP_OFFLINE: { ja: 'ネットワークに接続されていません。接続してからやり直してください。', en: 'No network: connect and try again.' },
  ERR_APP_KEY_UNUSABLE: { ja: 'この電子証明書は失効しているため、端末は署名しません。', en: 'This certificate was revoked: the phone will not sign with it.' },
  ERR_APP_NOT_PREPARED: { ja: 'まだ準備ができていません。', en: 'The phone is not prepared yet.' },
  ERR_APP_NOT_ISSUED: { ja: '電子証明書がまだありません。', en: 'No certificates on this phone yet.' },
  ERR_APP_ISSUANCE_REFUSED: { ja: '発行できませんでした。カードの状態を市区町村窓口で確認してください。', en: 'The issuance was refused: check your card at the municipal office.' },
  ERR_APP_ILLEGAL_TRANSITION: { ja: 'この操作は今はできません。', en: 'That step cannot be done now.' },
  ERR_WEB_PHONE_UNKNOWN: { ja: 'その端末は見つかりません。', en: 'No such phone.' },
  ERR_WEB_PHONE_NO_APP: { ja: 'JPKI アプリがインストールされていません。', en: 'The JPKI app is not installed.' },
  ERR_WEB_PHONE_SHELF_FULL: { ja: 'これ以上端末を作れません。', en: 'No more phones can be made.' },
  ERR_WEB_PHONE_MAKER: { ja: '端末を作れませんでした。', en: 'The phone could not be made.' },
  ERR_WEB_RESET_NOT_CONFIRMED: { ja: '初期化するには確認のチェックが必要です。', en: 'Tick the confirmation to reset.' },
  ERR_WEB_SHOP_TERMINAL: { ja: 'ショップの端末が認証局の証明書を取得できません。', en: 'The shop terminal cannot get the CA certificates.' },
  ERR_APP_CARD_NOT_HOLDER: { ja: 'このカードは、この端末の電子証明書の本人のカードではありません。ご本人のカードをかざしてください。', en: 'This card is not the card of this phone\u2019s holder: hold your own card to the phone.' },
  ERR_APP_SESSION_FAILED: { ja: '処理を完了できませんでした。最初からやり直してください。', en: 'It did not complete: start again.' },
  ERR_APP_SERVER: { ja: 'サーバーが応答しませんでした。しばらくしてから再度お試しください。', en: 'The service did not answer: try again later.' },
  ERR_APP_RESET_NOT_DELIVERED: { ja: '初期化の通知を送れませんでした。オンラインになると再送されます。', en: 'The reset notice could not be sent: it is sent again when the phone is online.' },
  ERR_CALLCENTER_UNKNOWN_PERSON: { ja: '該当する方が見つかりません。', en: 'Nobody matches.' },
  ERR_CALLCENTER_AMBIGUOUS: { ja: '複数の方が該当します。住所も入力してください。', en: 'Several people match: add the address.' },
  ERR_CALLCENTER_NOTHING_TO_DO: { ja: '対象の電子証明書がありません。', en: 'No certificate to act on.' },
  ...KIOSK_PROBLEMS,
};

const listeners = [];

export function currentLang() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'ja' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** The label of `key` in the current language (the key itself when unknown, so a gap shows). */
export function t(key) {
  const entry = LABELS[key];
  return entry ? entry[currentLang()] : key;
}

/** The localised sentence for a problem code, or undefined. */
export function problemText(code) {
  const entry = PROBLEMS[code];
  return entry ? entry[currentLang()] : undefined;
}

export function applyLabels(root = document) {
  document.documentElement.lang = currentLang();
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Runs `fn` after every language change (for content built from data). */
export function onLanguageChange(fn) {
  listeners.push(fn);
}

export function setLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
  applyLabels();
  for (const fn of listeners) fn(lang);
}
