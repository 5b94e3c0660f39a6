// The phone's setup screens, as the seed draws them: phase 1 app preparation (search, install), phase 2
// applet preparation (first launch, ready for the initial settings), phase 3 initial setting (start,
// the card's signature password, the card held to the phone, the new PIN and password, completed, start
// of use), and the model change (the same on the new phone).
import { api, cardPicker, el, ja, label } from './common.js';
import { currentLang } from './i18n.js';

const $ = (id) => document.getElementById(id);

function button(id, key, cls) {
  return el('button', { type: 'button', id, ...(cls ? { class: cls } : {}) }, label(key));
}

function steps(keys, done) {
  return el('ol', { class: 'steps' }, ...keys.map((k, i) => el('li', { class: i < done ? 'done' : '' }, label(k))));
}

function store(screen, ctx) {
  const h = ctx.heading(screen, 'phone.storeTitle');
  const form = el('form', { class: 'store-search', role: 'search' },
    el('label', { for: 'store-q' }, label('phone.search')),
    el('input', { id: 'store-q', type: 'search', maxlength: 64, autocomplete: 'off' }),
    el('button', { type: 'submit', class: 'primary' }, label('phone.searchButton')));
  const results = el('div', { id: 'store-results', 'aria-live': 'polite' });
  screen.append(form, results);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const r = await api('GET', `/web/v1/app-store?q=${encodeURIComponent($('store-q').value)}`);
    if (!r.ok) return ctx.problem(r.problem);
    if (r.data.apps.length === 0) return results.replaceChildren(label('phone.noApps', 'p'));
    const inJa = currentLang() === 'ja';
    results.replaceChildren(el('ul', { class: 'store-list' }, ...r.data.apps.map((a) => {
      const installed = ctx.phone.app && ctx.phone.app.packageName === a.packageName;
      const action = el('button', { type: 'button', class: 'primary', id: `install-${a.packageName.replaceAll('.', '-')}` }, label(installed ? 'phone.open' : 'phone.install'));
      action.addEventListener('click', () => (installed ? ctx.openApp() : void install(ctx, a.packageName)));
      return el('li', {}, el('strong', {}, inJa ? a.nameJa : a.name), el('br'), el('small', {}, inJa ? a.publisherJa : a.publisher), el('p', {}, inJa ? a.summaryJa : a.summary), action);
    })));
  });
  return h;
}

async function install(ctx, packageName) {
  ctx.working();
  const r = await api('POST', `/web/v1/phones/${ctx.id}/apps`, { body: { packageName } });
  if (!r.ok) return ctx.problem(r.problem);
  ctx.clear();
  await ctx.refresh();
  ctx.go('installed');
}

function installed(screen, ctx) {
  const h = ctx.heading(screen, 'phone.installedTitle');
  screen.append(label('phone.installedHelp', 'p'), el('p', {}, el('small', {}, label('phone.certHash'), ' ', el('code', { class: 'hash' }, ctx.phone.app.certificateSha256.slice(0, 16), '…'))));
  screen.append(el('div', { class: 'actions' }, button('launch-app', 'phone.open', 'primary')));
  $('launch-app').addEventListener('click', () => ctx.openApp());
  return h;
}

const PREPARATION_STEPS = ['phone.stepPush', 'phone.stepRegister', 'phone.stepApplet'];

function prepare(screen, ctx) {
  const h = ctx.heading(screen, 'phone.prepareTitle');
  screen.append(label('phone.prepareHelp', 'p'), steps(PREPARATION_STEPS, 0), el('div', { class: 'actions' }, button('prepare-start', 'phone.prepareButton', 'primary')));
  $('prepare-start').addEventListener('click', async () => {
    $('prepare-start').disabled = true;
    ctx.working();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/preparation`, { body: {} });
    $('prepare-start').disabled = false;
    if (!r.ok) return ctx.problem(r.problem);
    ctx.clear();
    await ctx.refresh();
    ctx.go('prepared', { replace: true });
  });
  return h;
}

function prepared(screen, ctx) {
  const h = ctx.heading(screen, 'phone.preparedTitle');
  screen.append(steps(PREPARATION_STEPS, 3), label('phone.preparedHelp', 'p'), el('div', { class: 'actions' }, button('issue-begin', 'phone.issueBegin', 'primary')));
  $('issue-begin').addEventListener('click', () => ctx.go('issue-start'));
  return h;
}

const ISSUE_STEPS = ['phone.stepCardPassword', 'phone.stepHoldCard', 'phone.stepSecrets', 'phone.stepDone'];

function issueStart(screen, ctx) {
  ctx.draft = {};
  const h = ctx.heading(screen, 'phone.issueTitle');
  screen.append(label('phone.issueHelp', 'p'), steps(ISSUE_STEPS, 0), el('div', { class: 'actions' }, button('issue-next', 'phone.next', 'primary')));
  $('issue-next').addEventListener('click', () => ctx.go('issue-password'));
  return h;
}

function issuePassword(screen, ctx) {
  const h = ctx.heading(screen, 'phone.cardPasswordTitle');
  const form = el('form', { class: 'grid' },
    el('label', { for: 'card-password' }, label('phone.cardPassword')),
    el('input', { id: 'card-password', type: 'password', autocomplete: 'off', maxlength: 16, required: true }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, label('phone.next'))));
  screen.append(steps(ISSUE_STEPS, 0), label('phone.cardPasswordHelp', 'p'), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('card-password').value.toUpperCase();
    if (!value) return;
    ctx.draft.cardPassword = value;
    ctx.go('issue-card');
  });
  return h;
}

function issueCard(screen, ctx) {
  const h = ctx.heading(screen, 'phone.holdCardTitle');
  const cards = el('div', { id: 'hold-cards' });
  screen.append(steps(ISSUE_STEPS, 1), el('div', { class: 'nfc-target', 'aria-hidden': 'true' }), label('phone.holdCardHelp', 'p'), cards, el('div', { class: 'actions' }, button('hold-card', 'phone.holdCard', 'primary')));
  const picked = cardPicker(cards, 'hold-card-choice');
  $('hold-card').addEventListener('click', async () => {
    const card = (await picked)();
    if (!card) return;
    ctx.draft.cardId = card.id;
    ctx.draft.cardName = card.name;
    ctx.go('issue-secrets');
  });
  return h;
}

function issueSecrets(screen, ctx) {
  if (!ctx.draft.cardId || !ctx.draft.cardPassword) return issueStart(screen, ctx);
  const h = ctx.heading(screen, 'phone.secretsTitle');
  const field = (id, key, attrs) => [el('label', { for: id }, label(key)), el('input', { id, type: 'password', autocomplete: 'new-password', required: true, ...attrs })];
  const pin = { inputmode: 'numeric', pattern: '[0-9]{4}', maxlength: 4 };
  const pw = { pattern: '[A-Za-z0-9]{6,16}', maxlength: 16 };
  const form = el('form', { class: 'grid', id: 'secrets-form' },
    ...field('new-pin', 'phone.newPin', pin), ...field('new-pin2', 'phone.newPinAgain', pin),
    ...field('new-password', 'phone.newPassword', pw), ...field('new-password2', 'phone.newPasswordAgain', pw),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'set-secrets' }, label('phone.setSecrets'))));
  screen.append(steps(ISSUE_STEPS, 2), el('p', {}, label('phone.cardHeld'), ' ', ja(ctx.draft.cardName ?? '')), label('phone.secretsHelp', 'p'), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = {
      cardId: ctx.draft.cardId,
      cardPassword: ctx.draft.cardPassword,
      pin: $('new-pin').value,
      pinConfirm: $('new-pin2').value,
      password: $('new-password').value.toUpperCase(),
      passwordConfirm: $('new-password2').value.toUpperCase(),
    };
    for (const id of ['new-pin', 'new-pin2', 'new-password', 'new-password2']) $(id).value = '';
    $('set-secrets').disabled = true;
    ctx.working();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/issuance`, { body });
    $('set-secrets').disabled = false;
    if (!r.ok) {
      // A wrong card password: enter it again; anything else: the person reads why and starts again.
      if (r.problem.code === 'ERR_APP_CARD_PASSWORD_WRONG') ctx.draft.cardPassword = undefined;
      return ctx.problem(r.problem);
    }
    ctx.draft = { issued: r.data };
    ctx.clear();
    await ctx.refresh();
    ctx.go('issue-done', { replace: true });
  });
  return h;
}

function issueDone(screen, ctx) {
  const issued = ctx.draft.issued;
  const h = ctx.heading(screen, 'phone.doneTitle');
  screen.append(steps(ISSUE_STEPS, 4), label('phone.doneHelp', 'p'));
  if (issued) {
    screen.append(el('dl', { class: 'issued', 'data-auth-serial': issued.authSerial, 'data-sign-serial': issued.signSerial },
      label('common.authCert', 'dt'), el('dd', {}, el('code', { class: 'auth-serial' }, issued.authSerial)),
      label('common.signCert', 'dt'), el('dd', {}, el('code', { class: 'sign-serial' }, issued.signSerial))));
  }
  screen.append(el('div', { class: 'actions' }, button('start-using', 'phone.startUsing', 'primary')));
  $('start-using').addEventListener('click', () => ctx.go('app-home'));
  return h;
}

function modelChange(screen, ctx) {
  const h = ctx.heading(screen, 'phone.modelChangeTitle');
  screen.append(
    label('phone.modelChangeHelp', 'p'),
    el('ol', { class: 'steps' }, label('phone.modelChange1', 'li'), label('phone.modelChange2', 'li'), label('phone.modelChange3', 'li'), label('phone.modelChange4', 'li')),
    el('div', { class: 'actions' }, button('model-change-new', 'phone.modelChangeNew', 'primary')),
  );
  $('model-change-new').addEventListener('click', () => ctx.toShelf());
  return h;
}

export const SETUP_SCREENS = {
  store,
  installed,
  prepare,
  prepared,
  'issue-start': issueStart,
  'issue-password': issuePassword,
  'issue-card': issueCard,
  'issue-secrets': issueSecrets,
  'issue-done': issueDone,
  'model-change': modelChange,
};
