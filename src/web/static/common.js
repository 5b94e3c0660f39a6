// What every page shares: the header (skip link, navigation, language toggle), calls to the server,
// problem display, base64, the card picker and the PIN pad.
import { applyLabels, currentLang, problemText, setLang, t } from './i18n.js';

export const PAGES = ['home', 'office', 'portal', 'bank', 'kiosk', 'phone', 'shop', 'callcenter', 'inspector'];

/** Builds an element: el('p', {class: 'x', 'data-i18n': 'k'}, child, 'text'). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

/** A label that follows the language toggle. */
export function label(key, tag = 'span', attrs = {}) {
  return el(tag, { ...attrs, 'data-i18n': key }, t(key));
}

/** Text in Japanese whatever the page language (names and addresses): screen readers switch voice. */
export function ja(text) {
  return el('span', { lang: 'ja' }, text);
}

export function initPage(page) {
  const header = document.getElementById('site-header');
  const nav = el('nav', { 'data-i18n-attr': 'aria-label:site.nav' });
  const list = el('ul');
  for (const p of PAGES) {
    const href = p === 'home' ? '/' : `/${p}`;
    const link = el('a', { href, ...(p === page ? { 'aria-current': 'page' } : {}) }, label(`page.${p}`));
    list.append(el('li', {}, link));
  }
  nav.append(list);
  const toggle = el('button', { type: 'button', class: 'lang-toggle', 'data-i18n': 'site.lang', 'data-i18n-attr': 'aria-label:site.langLabel' });
  toggle.addEventListener('click', () => setLang(currentLang() === 'ja' ? 'en' : 'ja'));
  header.append(
    el('a', { class: 'skip', href: '#main', 'data-i18n': 'site.skip' }),
    el('div', { class: 'brand' }, el('strong', { 'data-i18n': 'site.title' }), el('small', { 'data-i18n': 'site.emulation' })),
    toggle,
    nav,
  );
  applyLabels();
}

/**
 * One call to the server: JSON in and out, problem+json read as `problem`. Never throws for an HTTP
 * status (the caller shows the problem); a network failure becomes a problem of its own.
 */
export async function api(method, path, { body, token } = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    return { ok: false, status: 0, problem: { code: 'ERR_NETWORK', detail: String(err) } };
  }
  const type = res.headers.get('content-type') ?? '';
  const data = /json/.test(type) ? await res.json() : res.status === 204 ? null : await res.text();
  return res.ok ? { ok: true, status: res.status, data } : { ok: false, status: res.status, problem: typeof data === 'object' && data ? data : { code: `HTTP_${res.status}`, detail: String(data) } };
}

/** Shows a problem in a live region: the localised sentence, the server's detail, the code. */
export function showProblem(region, problem) {
  region.replaceChildren(
    el(
      'div',
      { class: 'problem', role: 'alert' },
      el('strong', {}, problemText(problem.code) ?? t('common.error')),
      el('p', {}, problem.detail ?? ''),
      problem.triesLeft !== undefined ? el('p', {}, `${t('kiosk.triesLeft')}: ${problem.triesLeft}`) : null,
      problem.reason ? el('p', {}, `${t('common.reason')}: ${problem.reason}`) : null,
      el('p', { class: 'code' }, el('code', {}, problem.code ?? '')),
    ),
  );
}

export function showStatus(region, key) {
  region.replaceChildren(label(key, 'p'));
}

/** Moves focus to a result so keyboard and screen-reader users land on what just happened. */
export function focusResult(node) {
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus();
}

export function sexLabel(sex) {
  return label(`common.sex${sex}`);
}

/** A definition list of the basic four information (Japanese text marked as such). */
export function basicFour(p) {
  return el(
    'dl',
    { class: 'basic-four' },
    label('common.name', 'dt'),
    el('dd', {}, ja(p.name)),
    label('common.address', 'dt'),
    el('dd', {}, ja(p.address)),
    label('common.birthDate', 'dt'),
    el('dd', {}, p.birthDate),
    label('common.sex', 'dt'),
    el('dd', {}, sexLabel(p.sex)),
  );
}

/** A table from rows: columns are [label key, (row) => node or text]. */
export function table(columns, rows, caption) {
  const head = el('tr', {}, ...columns.map(([key]) => el('th', { scope: 'col' }, label(key))));
  const body = rows.map((row) => el('tr', {}, ...columns.map(([, cell]) => el('td', {}, cell(row)))));
  return el('table', {}, caption ? el('caption', {}, label(caption)) : null, el('thead', {}, head), el('tbody', {}, ...body));
}

/**
 * The cards on the server's shelf as a radio group (arrow keys move between them, as native radios do).
 * Resolves with a function that returns the chosen card, or undefined.
 */
export async function cardPicker(container, name = 'card') {
  const region = el('div');
  container.replaceChildren(region);
  const r = await api('GET', '/web/v1/cards');
  if (!r.ok) {
    showProblem(region, r.problem);
    return () => undefined;
  }
  if (r.data.cards.length === 0) {
    region.replaceChildren(label('common.noCards', 'p'));
    return () => undefined;
  }
  const fieldset = el('fieldset', { class: 'cards' }, el('legend', {}, label('common.chooseCard')));
  r.data.cards.forEach((card, i) => {
    const id = `${name}-${card.id}`;
    fieldset.append(
      el('div', { class: 'card-choice' },
        el('input', { type: 'radio', name, id, value: card.id, ...(i === 0 ? { checked: true } : {}) }),
        el('label', { for: id }, ja(card.name), ' ', el('small', {}, card.id.slice(0, 8)))),
    );
  });
  region.replaceChildren(fieldset);
  return () => {
    const chosen = fieldset.querySelector('input:checked');
    return chosen ? r.data.cards.find((c) => c.id === chosen.value) : undefined;
  };
}

/**
 * A PIN pad: a real password field (type digits on the keyboard, Enter submits) and on-screen keys
 * (Tab to them, Enter or Space to press). The number of digits entered is announced, never the digits.
 */
export function pinPad(container, { id, length = 4, onSubmit }) {
  const input = el('input', {
    id, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: length, pattern: `[0-9]{${length}}`, required: true, class: 'pin-input',
  });
  const count = el('p', { class: 'pin-count', 'aria-live': 'polite' });
  const updateCount = () => {
    count.textContent = `${input.value.length} / ${length} ${t('pinpad.entered')}`;
  };
  input.addEventListener('input', () => {
    input.value = input.value.replace(/[^0-9]/g, '').slice(0, length);
    updateCount();
  });
  const form = el('form', { class: 'pin-pad', novalidate: true });
  const press = (digit) => {
    if (input.value.length < length) input.value += digit;
    updateCount();
  };
  const keys = el('div', { class: 'keys', role: 'group', 'data-i18n-attr': 'aria-label:pinpad.keys' });
  for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) keys.append(el('button', { type: 'button', class: 'key', onclick: () => press(d) }, d));
  keys.append(
    el('button', { type: 'button', class: 'key', onclick: () => { input.value = input.value.slice(0, -1); updateCount(); }, 'data-i18n-attr': 'aria-label:pinpad.delete' }, '\u232b'),
    el('button', { type: 'button', class: 'key', onclick: () => press('0') }, '0'),
    el('button', { type: 'button', class: 'key', onclick: () => { input.value = ''; updateCount(); input.focus(); } }, label('pinpad.clear')),
  );
  form.append(
    el('label', { for: id }, label('pinpad.label')),
    input,
    count,
    keys,
    el('button', { type: 'submit', class: 'primary' }, label('pinpad.ok')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!new RegExp(`^[0-9]{${length}}$`).test(input.value)) {
      input.focus();
      return;
    }
    const value = input.value;
    input.value = '';
    updateCount();
    onSubmit(value);
  });
  container.replaceChildren(form);
  updateCount();
  applyLabels(form);
  return input;
}

/** Base64 of a string's UTF-8 bytes, and back. */
export function fromBase64Utf8(b64) {
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The card signs `digestInfo` (base64) after the PIN (`auth`) or the password (`sign`): {certificate, signature}. */
export function signOnCard(cardId, key, secret, digestInfo) {
  return api('POST', `/web/v1/cards/${encodeURIComponent(cardId)}/signatures`, { body: { key, secret, digestInfo } });
}

/** A token kept for this tab only (sessionStorage), with its form. */
export function tokenForm(container, { storageKey, helpKey, id, onChange }) {
  const input = el('input', { id, type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const state = el('p', { 'aria-live': 'polite' });
  const form = el('form', { class: 'token-form' },
    el('label', { for: id }, label('common.token')),
    el('p', { class: 'help' }, label(helpKey), ' ', label('common.tokenSaved')),
    input,
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'primary' }, label('common.save')),
      el('button', { type: 'button', onclick: () => { sessionStorage.removeItem(storageKey); render(); onChange(undefined); } }, label('common.forget'))),
    state);
  const render = () => {
    const has = sessionStorage.getItem(storageKey);
    state.replaceChildren(has ? label('office.loggedIn') : '');
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    sessionStorage.setItem(storageKey, value);
    input.value = '';
    render();
    onChange(value);
  });
  container.replaceChildren(form);
  render();
  return () => sessionStorage.getItem(storageKey) ?? undefined;
}

/** The fingers a person can present to a phone's sensor (the server's list, /web/v1 FINGERS). */
export const FINGERS = ['right-thumb', 'right-index', 'right-middle', 'right-ring', 'right-little', 'left-thumb', 'left-index', 'left-middle', 'left-ring', 'left-little'];

/** The phone signs: `{key:'auth', challenge, pin|finger}` or `{key:'sign', digestInfo, password}` → {certificate, signature, via}. */
export function signOnPhone(phoneId, body) {
  return api('POST', `/web/v1/phones/${encodeURIComponent(phoneId)}/signatures`, { body });
}

/**
 * The phones on the server's shelf whose app holds certificates (or, with `all`, every phone), as a
 * radio group (like the card picker). Resolves with a function that returns the chosen phone, or undefined.
 */
export async function phonePicker(container, name = 'phone', { all = false, noneKey = 'common.noPhones' } = {}) {
  const region = el('div');
  container.replaceChildren(region);
  const r = await api('GET', '/web/v1/phones');
  if (!r.ok) {
    showProblem(region, r.problem);
    return () => undefined;
  }
  const phones = all ? r.data.phones : r.data.phones.filter((p) => p.app && p.app.certificates);
  if (phones.length === 0) {
    region.replaceChildren(label(noneKey, 'p'));
    return () => undefined;
  }
  const fieldset = el('fieldset', { class: 'cards' }, el('legend', {}, label('common.choosePhone')));
  phones.forEach((phone, i) => {
    const id = `${name}-${phone.id}`;
    fieldset.append(
      el('div', { class: 'card-choice' },
        el('input', { type: 'radio', name, id, value: phone.id, ...(i === 0 ? { checked: true } : {}) }),
        el('label', { for: id }, phone.model, ' ', el('small', {}, phone.id.slice(0, 8)), phone.app?.fingerprintUnlock ? el('small', {}, ' · ', label('common.fingerprintOn')) : null)),
    );
  });
  region.replaceChildren(fieldset);
  return () => {
    const chosen = fieldset.querySelector('input:checked');
    return chosen ? phones.find((p) => p.id === chosen.value) : undefined;
  };
}

/**
 * The phone's biometric prompt: "touch the sensor". The person chooses which finger they present (the
 * emulation's stand-in for a finger on the glass; a finger that is not enrolled does not match), then
 * presses Touch; "Use the PIN" falls back. Everything is a native control: Tab and Enter operate it.
 */
export function biometricPrompt(container, { id, onTouch, onCancel, enrolled = [] }) {
  const select = el('select', { id }, ...FINGERS.map((f) => el('option', { value: f, 'data-i18n': `finger.${f}` }, t(`finger.${f}`))));
  if (enrolled.length > 0) select.value = enrolled[0];
  const form = el('form', { class: 'biometric-prompt', role: 'group', 'aria-labelledby': `${id}-h` },
    el('div', { class: 'sensor', 'aria-hidden': 'true' }),
    el('h3', { id: `${id}-h`, 'data-i18n': 'bio.title' }, t('bio.title')),
    el('p', { 'data-i18n': 'bio.help' }, t('bio.help')),
    el('label', { for: id, 'data-i18n': 'bio.finger' }, t('bio.finger')),
    select,
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'primary', 'data-i18n': 'bio.touch' }, t('bio.touch')),
      onCancel ? el('button', { type: 'button', onclick: () => onCancel(), 'data-i18n': 'bio.usePin' }, t('bio.usePin')) : null));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onTouch(select.value);
  });
  container.replaceChildren(form);
  return select;
}
