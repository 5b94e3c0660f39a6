// The kiosk page's labels and the meanings of the kiosk's (and its counter readers') problem codes.

/** @type {Record<string, {ja: string, en: string}>} */
export const KIOSK_LABELS = {
  'kiosk.hand': { ja: 'カードやスマートフォンをかざす', en: 'Hold your card or phone to a reader' },
  'kiosk.handHelp': {
    ja: 'サーバーが預かっているカードとスマートフォンから選び、キオスクのカウンターのリーダーにかざします。',
    en: 'Choose one of the cards and phones the server keeps for you, and hold it to one of the kiosk\u2019s counter readers.',
  },
  'kiosk.chooseItem': { ja: 'かざすもの', en: 'What you hold' },
  'kiosk.nothing': {
    ja: 'かざせるカードもスマートフォンもありません。窓口でカードを交付するか、スマートフォンの画面で電子証明書を発行してください。',
    en: 'No card or phone to hold: have a card issued at the office, or issue a phone\u2019s certificates on the phone page.',
  },
  'kiosk.counterReader': { ja: 'カウンターのリーダー', en: 'Counter reader' },
  'kiosk.hold': { ja: 'リーダーにかざす', en: 'Hold it to the reader' },
  'kiosk.take': { ja: 'リーダーから離す', en: 'Take it away' },
  'kiosk.held': { ja: 'リーダーにかざしました', en: 'Held to the reader' },
  'kiosk.taken': { ja: 'リーダーから離しました', en: 'Taken away' },
  'kiosk.cardItem': { ja: 'マイナンバーカード', en: 'Individual Number Card' },
  'kiosk.phoneItem': { ja: 'スマートフォン', en: 'Phone' },
  'kiosk.readers': { ja: 'キオスクのカードリーダー', en: 'The kiosk\u2019s card readers' },
  'kiosk.readersHelp': {
    ja: 'リーダー（PC/SC またはカウンター）にあるカードまたはスマートフォンで、利用者証明用電子証明書と暗証番号により本人を確認します。',
    en: 'The kiosk identifies you by the card or phone on a reader (PC/SC or counter), its user-authentication certificate and your PIN.',
  },
  'kiosk.start': { ja: 'このリーダーで開始', en: 'Start with this reader' },
  'kiosk.noReaders': { ja: 'リーダーがありません。', en: 'No readers.' },
  'kiosk.cardPresent': { ja: 'カードあり', en: 'card present' },
  'kiosk.empty': { ja: '空', en: 'empty' },
  'kiosk.inUse': { ja: '取引中', en: 'in a transaction' },
  'kiosk.kind.pcsc': { ja: 'PC/SC', en: 'PC/SC' },
  'kiosk.kind.counter': { ja: 'カウンター', en: 'counter' },
  'kiosk.pcscNote': { ja: 'カウンターのリーダーは使えます。', en: 'The counter readers still work.' },
  'kiosk.reading': { ja: '読み取ったもの', en: 'Read from' },
  'kiosk.triesLeft': { ja: '残り回数', en: 'Tries left' },
  'kiosk.enterPin': { ja: '利用者証明用暗証番号（数字 4 桁）を入力してください。', en: 'Enter the user-authentication PIN (4 digits).' },
  'kiosk.residence': { ja: '住民票の写し（サンプル）', en: 'Certificate of residence (sample)' },
  'kiosk.issuance': { ja: '交付番号', en: 'Issuance id' },
  'kiosk.issuedAt': { ja: '交付日時', en: 'Issued at' },
  'kiosk.signed': { ja: 'キオスクの署名付き文書（JWS）', en: 'Signed by the kiosk (JWS)' },
};

/** What the kiosk's problem codes mean to the person in front of it. */
export const KIOSK_PROBLEMS = {
  ERR_KIOSK_PCSC_UNAVAILABLE: { ja: 'カードリーダーのサービス（pcscd）が動いていません。', en: 'The card reader service (pcscd) is not running.' },
  ERR_KIOSK_PIN_INCORRECT: { ja: '暗証番号が違います。', en: 'Wrong PIN.' },
  ERR_KIOSK_PIN_BLOCKED: { ja: '暗証番号がロックされています。市区町村窓口で再設定してください。', en: 'The PIN is blocked: have it reset at the municipal office.' },
  ERR_KIOSK_PIN_FORMAT: { ja: '暗証番号は数字 4 桁です。', en: 'The PIN is 4 digits.' },
  ERR_KIOSK_NO_CARD: { ja: 'リーダーにカードもスマートフォンもありません（スマートフォンは NFC をオンに）。', en: 'No card or phone on the reader (a phone needs NFC on).' },
  ERR_KIOSK_CARD_LOST: { ja: 'カードまたはスマートフォンがリーダーから離れました。最初からやり直してください。', en: 'The card or phone left the reader: start again.' },
  ERR_KIOSK_READER_BUSY: { ja: 'このリーダーは使用中です。しばらくしてから再度お試しください。', en: 'The reader is busy: try again in a moment.' },
  ERR_KIOSK_NOT_JPKI: { ja: '公的個人認証の電子証明書がありません。', en: 'No JPKI certificates on it.' },
  ERR_KIOSK_SESSION_UNKNOWN: { ja: '時間切れです。最初からやり直してください。', en: 'The transaction timed out: start again.' },
  ERR_WEB_COUNTER_READER_OCCUPIED: { ja: 'そのリーダーには別のものがかざされています。先に離してください。', en: 'Something else is on that reader: take it away first.' },
  ERR_WEB_COUNTER_ITEM_ELSEWHERE: { ja: 'それは別のリーダーにかざされています。', en: 'That is held to another reader.' },
  ERR_WEB_COUNTER_READER_UNKNOWN: { ja: 'そのリーダーはありません。', en: 'No such reader.' },
  ERR_WEB_CARD_UNKNOWN: { ja: 'そのカードは見つかりません。', en: 'No such card.' },
};
