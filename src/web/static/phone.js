// The phone page: the server's phone shelf (a browser cannot hold a phone or its secure element) and
// one phone in hand, drawn as a phone whose screen follows the seed's phases: the app store, applet
// preparation, issuance with the card held to the phone, the PIN and password, use, certificate
// management, fingerprint unlock, notifications, model change; the PIN or password changed or
// re-initialised with the card, and the factory reset in the OS settings (phone-care.js). Every screen is native HTML: Tab and
// Enter reach everything; after each step focus moves to the new screen's heading.
import { api, el, focusResult, initPage, label, showProblem, showStatus } from './common.js';
import { applyLabels, onLanguageChange } from './i18n.js';
import { SETUP_SCREENS } from './phone-setup.js';
import { APP_SCREENS } from './phone-app.js';
import { CARE_SCREENS } from './phone-care.js';

initPage('phone');

const CHOSEN = 'jpki-mobile.phone';
const $ = (id) => document.getElementById(id);
const screens = { ...SETUP_SCREENS, ...APP_SCREENS, ...CARE_SCREENS, home: osHome };

/** What every screen gets: the phone, the way to other screens, the server. */
const ctx = {
  phone: undefined,
  history: [],
  current: undefined,
  /** Working values of a flow in progress (the card password until the card is held), cleared after. */
  draft: {},
  get id() {
    return ctx.phone?.id;
  },
  async refresh() {
    const r = await api('GET', `/web/v1/phones/${ctx.id}`);
    if (r.ok) ctx.phone = r.data;
    renderStatus();
    await loadShelf(ctx.id);
    return r.ok;
  },
  /** Shows a screen; `replace` keeps it out of the back history; `focus` false leaves focus where it is. */
  go(name, { replace = false, focus = true } = {}) {
    if (ctx.current && !replace && ctx.current !== name) ctx.history.push(ctx.current);
    ctx.current = name;
    $('screen-problem').replaceChildren();
    const screen = $('screen');
    screen.replaceChildren();
    screen.dataset.screen = name;
    const heading = screens[name](screen, ctx);
    applyLabels(screen);
    if (heading && focus) focusResult(heading);
  },
  problem(problem) {
    showProblem($('screen-problem'), problem);
  },
  working() {
    showStatus($('screen-problem'), 'common.working');
  },
  clear() {
    $('screen-problem').replaceChildren();
  },
  /** A screen's heading: an h3 with the id `screen-h` (where focus lands). */
  heading(screen, key) {
    const h = label(key, 'h3', { id: 'screen-h' });
    screen.append(h);
    return h;
  },
  /** The JPKI app's own entry: preparation first, then issuance, then the app's home. */
  openApp() {
    const app = ctx.phone.app;
    if (!app) return ctx.go('store');
    if (app.flows.preparation !== 'ready') return ctx.go('prepare');
    if (!app.certificates) return ctx.go('issue-start');
    return ctx.go('app-home');
  },
};

function renderStatus() {
  const p = ctx.phone;
  if (!p) return;
  const parts = [el('span', { class: 'model' }, p.model), el('span', { class: p.online ? 'net-on' : 'net-off' }, label(p.online ? 'phone.online' : 'phone.offline'))];
  if (p.app?.certificates) parts.push(el('span', { class: 'jpki-badge' }, 'JPKI'));
  $('phone-status').replaceChildren(...parts);
}

/** The phone's own home screen: the store, the settings, and the app once it is installed. */
function osHome(screen) {
  const h = ctx.heading(screen, 'phone.homeScreen');
  const grid = el('div', { class: 'app-grid' });
  grid.append(el('button', { type: 'button', id: 'open-store', class: 'app-icon' }, label('phone.store')));
  grid.append(el('button', { type: 'button', id: 'open-settings', class: 'app-icon' }, label('phone.settings')));
  if (ctx.phone.app) grid.append(el('button', { type: 'button', id: 'open-jpki', class: 'app-icon jpki' }, label('phone.appName')));
  grid.append(el('button', { type: 'button', id: 'open-notifications', class: 'app-icon' }, label('phone.notifications')));
  screen.append(grid);
  $('open-store').addEventListener('click', () => ctx.go('store'));
  $('open-settings').addEventListener('click', () => ctx.go('settings'));
  $('open-jpki')?.addEventListener('click', () => ctx.openApp());
  $('open-notifications').addEventListener('click', () => ctx.go('notifications'));
  return h;
}

let takes = 0;

async function take(id, moveFocus) {
  const mine = ++takes;
  const r = await api('GET', `/web/v1/phones/${encodeURIComponent(id)}`);
  // Another phone was taken meanwhile (a click during the page's start): that one stays in hand.
  if (mine !== takes) return;
  if (!r.ok) {
    sessionStorage.removeItem(CHOSEN);
    return showProblem($('shelf-result'), r.problem);
  }
  ctx.phone = r.data;
  ctx.history = [];
  ctx.current = undefined;
  ctx.draft = {};
  sessionStorage.setItem(CHOSEN, id);
  $('device').hidden = false;
  renderStatus();
  if (moveFocus) ctx.go('home');
  else {
    ctx.go('home');
    $('main').focus();
  }
}

async function loadShelf(selected) {
  const target = $('phone-list');
  const r = await api('GET', '/web/v1/phones');
  if (!r.ok) return showProblem(target, r.problem);
  if (r.data.phones.length === 0) return target.replaceChildren(label('phone.none', 'p'));
  const fieldset = el('fieldset', { class: 'cards' }, el('legend', {}, label('common.choosePhone')));
  r.data.phones.forEach((p) => {
    const id = `shelf-${p.id}`;
    const state = !p.app ? 'phone.stateNew' : p.app.flows.preparation !== 'ready' ? 'phone.stateInstalled' : p.app.certificates ? 'phone.stateIssued' : 'phone.statePrepared';
    fieldset.append(el('div', { class: 'card-choice' },
      el('input', { type: 'radio', name: 'shelf-phone', id, value: p.id, ...(p.id === selected ? { checked: true } : {}) }),
      el('label', { for: id }, p.model, ' ', el('small', {}, p.id.slice(0, 8), ' · '), label(state, 'small'))));
  });
  const takeButton = el('button', { type: 'button', id: 'take-phone', class: 'primary' }, label('phone.take'));
  takeButton.addEventListener('click', () => {
    const chosen = fieldset.querySelector('input:checked');
    if (chosen) void take(chosen.value, true);
  });
  target.replaceChildren(fieldset, el('div', { class: 'actions' }, takeButton));
  applyLabels(target);
}

$('make-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const model = $('make-model').value.trim();
  if (!model) return;
  const result = $('shelf-result');
  showStatus(result, 'common.working');
  const r = await api('POST', '/web/v1/phones', { body: { model } });
  if (!r.ok) return showProblem(result, r.problem);
  result.replaceChildren(el('p', { class: 'result', 'data-phone-id': r.data.id }, label('phone.made'), ' ', r.data.model, ' ', el('code', {}, r.data.id.slice(0, 8))));
  await loadShelf(r.data.id);
  await take(r.data.id, true);
});

$('nav-home').addEventListener('click', () => {
  if (ctx.phone) ctx.go('home');
});
$('nav-back').addEventListener('click', () => {
  const previous = ctx.history.pop();
  if (previous) ctx.go(previous, { replace: true });
});

// Labels follow the toggle by themselves (data-i18n); the store's results, built from data, are
// searched again. Nothing typed is lost and focus stays on the toggle.
onLanguageChange(() => {
  if (ctx.current === 'store' && document.querySelector('#store-results li')) document.querySelector('.store-search')?.requestSubmit();
});

/** The model-change screen sends the person here to make the new phone. */
ctx.toShelf = () => {
  $('make-model').focus();
};
ctx.reloadShelf = () => loadShelf(ctx.id);

async function start() {
  const chosen = sessionStorage.getItem(CHOSEN) ?? undefined;
  await loadShelf(chosen);
  if (chosen) await take(chosen, false);
}

void start();
