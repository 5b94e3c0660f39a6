// The phone's care screens: the PIN or password changed knowing the current one (flow 5, local: PIN pad
// for the PIN), a forgotten or blocked one re-initialised online with the card held to the phone (flow 5,
// online), and the factory reset in the phone's OS settings (flow 10), with a confirmation and the
// reset notice shown afterwards. Native controls only; focus moves to each new screen's heading.
import { api, cardPicker, el, ja, label, pinPad, showProblem } from './common.js';
import { applyLabels, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

function button(id, key, cls) {
  return el('button', { type: 'button', id, ...(cls ? { class: cls } : {}) }, label(key));
}

function steps(keys, done) {
  return el('ol', { class: 'steps' }, ...keys.map((k, i) => el('li', { class: i < done ? 'done' : '' }, label(k))));
}

/** A problem on the phone's screen; a blocked secret (or its last try gone) offers the re-initialisation. */
function problemWithForgot(ctx, problem) {
  ctx.problem(problem);
  const blocked = problem.code === 'ERR_APP_SECRET_BLOCKED' || (problem.code === 'ERR_APP_SECRET_WRONG' && problem.triesLeft === 0);
  if (!blocked) return;
  const forgot = button('forgot-after-block', 'phone.forgotButton', 'primary');
  forgot.addEventListener('click', () => ctx.go('reset-start'));
  $('screen-problem').append(el('div', { class: 'actions' }, forgot));
}

function changeStart(screen, ctx) {
  ctx.draft = {};
  const h = ctx.heading(screen, 'phone.changeTitle');
  const radio = (value, key, checked) => el('div', { class: 'card-choice' },
    el('input', { type: 'radio', name: 'change-which', id: `change-which-${value}`, value, ...(checked ? { checked: true } : {}) }),
    el('label', { for: `change-which-${value}` }, label(key)));
  const form = el('form', { id: 'change-form' },
    el('fieldset', {}, el('legend', {}, label('phone.changeWhich')), radio('pin', 'phone.thePin', true), radio('password', 'phone.thePassword', false)),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'change-next' }, label('phone.next'))));
  screen.append(label('phone.changeHelp', 'p'), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const which = form.querySelector('input[name="change-which"]:checked')?.value ?? 'pin';
    ctx.go(which === 'pin' ? 'change-pin' : 'change-password');
  });
  const forgot = button('open-forgot-from-change', 'phone.forgotButton');
  forgot.addEventListener('click', () => ctx.go('reset-start'));
  screen.append(el('div', { class: 'actions' }, forgot));
  return h;
}

const PIN_STEPS = ['phone.currentPin', 'phone.newPin', 'phone.newPinAgain'];

/** The PIN change on the PIN pad: the current PIN, the new one, the new one again. */
function changePin(screen, ctx) {
  const h = ctx.heading(screen, 'phone.changePinTitle');
  const values = [];
  const stepLabel = el('p', { id: 'change-step', class: 'step-label', 'aria-live': 'polite' });
  const pad = el('div', { id: 'change-pad' });
  screen.append(steps(PIN_STEPS, 0), stepLabel, pad);
  const show = () => {
    stepLabel.replaceChildren(label(PIN_STEPS[values.length]));
    screen.querySelector('.steps').replaceWith(steps(PIN_STEPS, values.length));
    applyLabels(screen);
  };
  pinPad(pad, {
    id: 'change-pin-input',
    onSubmit: (pin) => {
      values.push(pin);
      if (values.length < 3) {
        show();
        $('change-pin-input').focus();
        return;
      }
      const [current, next, confirm] = values.splice(0, 3);
      show();
      if (next !== confirm) {
        showProblem($('screen-problem'), { code: 'ERR_APP_SECRET_FORMAT', detail: t('phone.pinsDiffer') });
        $('change-pin-input').focus();
        return;
      }
      void submitChange(ctx, { which: 'pin', current, next, confirm }, () => $('change-pin-input')?.focus());
    },
  });
  show();
  return h;
}

function changePassword(screen, ctx) {
  const h = ctx.heading(screen, 'phone.changePasswordTitle');
  const field = (id, key, autocomplete) => [el('label', { for: id }, label(key)), el('input', { id, type: 'password', autocomplete, maxlength: 16, pattern: '[A-Za-z0-9]{6,16}', required: true })];
  const form = el('form', { class: 'grid', id: 'change-password-form' },
    ...field('change-current', 'phone.currentPassword', 'current-password'),
    ...field('change-new', 'phone.newPassword', 'new-password'),
    ...field('change-new2', 'phone.newPasswordAgain', 'new-password'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'change-password-submit' }, label('phone.changeButton'))));
  screen.append(label('phone.passwordRule', 'p'), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = { which: 'password', current: $('change-current').value.toUpperCase(), next: $('change-new').value.toUpperCase(), confirm: $('change-new2').value.toUpperCase() };
    for (const id of ['change-current', 'change-new', 'change-new2']) $(id).value = '';
    if (body.next !== body.confirm) {
      showProblem($('screen-problem'), { code: 'ERR_APP_SECRET_FORMAT', detail: t('phone.passwordsDiffer') });
      $('change-current').focus();
      return;
    }
    void submitChange(ctx, body, () => $('change-current')?.focus());
  });
  return h;
}

async function submitChange(ctx, body, refocus) {
  const hadBio = ctx.phone.app?.fingerprintUnlock === true;
  ctx.working();
  const r = await api('POST', `/web/v1/phones/${ctx.id}/secret-change`, { body });
  if (!r.ok) {
    problemWithForgot(ctx, r.problem);
    refocus();
    return;
  }
  ctx.clear();
  ctx.phone = r.data;
  ctx.draft = { changed: body.which, bioOff: body.which === 'pin' && hadBio };
  await ctx.refresh();
  ctx.go('change-done', { replace: true });
}

function changeDone(screen, ctx) {
  const h = ctx.heading(screen, 'phone.changedTitle');
  screen.append(el('p', { class: 'result', id: 'change-result' }, label(ctx.draft.changed === 'password' ? 'phone.passwordChanged' : 'phone.pinChanged')));
  if (ctx.draft.bioOff) screen.append(label('phone.changedBioOff', 'p'));
  screen.append(el('div', { class: 'actions' }, button('change-back', 'phone.backToApp', 'primary')));
  $('change-back').addEventListener('click', () => ctx.go('app-home'));
  return h;
}

const RESET_STEPS = ['phone.stepWhich', 'phone.stepCardPassword', 'phone.stepHoldCard', 'phone.stepSecrets', 'phone.stepDone'];

/** "Forgot the PIN or password": which secrets; the card is needed. */
function resetStart(screen, ctx) {
  ctx.draft = {};
  const h = ctx.heading(screen, 'phone.resetTitle');
  const radio = (value, key, checked) => el('div', { class: 'card-choice' },
    el('input', { type: 'radio', name: 'reset-which', id: `reset-which-${value}`, value, ...(checked ? { checked: true } : {}) }),
    el('label', { for: `reset-which-${value}` }, label(key)));
  const form = el('form', { id: 'reset-form' },
    el('fieldset', {}, el('legend', {}, label('phone.resetWhich')), radio('pin', 'phone.thePin', true), radio('password', 'phone.thePassword', false), radio('both', 'phone.theBoth', false)),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'reset-next' }, label('phone.next'))));
  screen.append(label('phone.resetHelp', 'p'), steps(RESET_STEPS, 0), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.draft.secrets = form.querySelector('input[name="reset-which"]:checked')?.value ?? 'pin';
    ctx.go('reset-password');
  });
  return h;
}

function resetPassword(screen, ctx) {
  if (!ctx.draft.secrets) return resetStart(screen, ctx);
  const h = ctx.heading(screen, 'phone.cardPasswordTitle');
  const form = el('form', { class: 'grid' },
    el('label', { for: 'reset-card-password' }, label('phone.cardPassword')),
    el('input', { id: 'reset-card-password', type: 'password', autocomplete: 'off', maxlength: 16, required: true }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, label('phone.next'))));
  screen.append(steps(RESET_STEPS, 1), label('phone.cardPasswordHelp', 'p'), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('reset-card-password').value.toUpperCase();
    if (!value) return;
    ctx.draft.cardPassword = value;
    ctx.go('reset-card');
  });
  return h;
}

function resetCard(screen, ctx) {
  if (!ctx.draft.secrets) return resetStart(screen, ctx);
  const h = ctx.heading(screen, 'phone.holdCardTitle');
  const cards = el('div', { id: 'reset-cards' });
  screen.append(steps(RESET_STEPS, 2), el('div', { class: 'nfc-target', 'aria-hidden': 'true' }), label('phone.resetHoldHelp', 'p'), cards, el('div', { class: 'actions' }, button('reset-hold-card', 'phone.holdCard', 'primary')));
  const picked = cardPicker(cards, 'reset-card-choice');
  $('reset-hold-card').addEventListener('click', async () => {
    const card = (await picked)();
    if (!card) return;
    ctx.draft.cardId = card.id;
    ctx.draft.cardName = card.name;
    ctx.go('reset-secrets');
  });
  return h;
}

function resetSecrets(screen, ctx) {
  if (!ctx.draft.secrets || !ctx.draft.cardId) return resetStart(screen, ctx);
  if (!ctx.draft.cardPassword) return resetPassword(screen, ctx);
  const which = ctx.draft.secrets;
  const h = ctx.heading(screen, 'phone.resetSecretsTitle');
  const field = (id, key, attrs) => [el('label', { for: id }, label(key)), el('input', { id, type: 'password', autocomplete: 'new-password', required: true, ...attrs })];
  const pin = { inputmode: 'numeric', pattern: '[0-9]{4}', maxlength: 4 };
  const pw = { pattern: '[A-Za-z0-9]{6,16}', maxlength: 16 };
  const fields = [];
  if (which !== 'password') fields.push(...field('reset-pin', 'phone.newPin', pin), ...field('reset-pin2', 'phone.newPinAgain', pin));
  if (which !== 'pin') fields.push(...field('reset-password', 'phone.newPassword', pw), ...field('reset-password2', 'phone.newPasswordAgain', pw));
  const form = el('form', { class: 'grid', id: 'reset-secrets-form' }, ...fields,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'reset-submit' }, label('phone.resetButton'))));
  screen.append(steps(RESET_STEPS, 3), el('p', {}, label('phone.cardHeld'), ' ', ja(ctx.draft.cardName ?? '')), label('phone.resetSecretsHelp', 'p'), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = { cardId: ctx.draft.cardId, cardPassword: ctx.draft.cardPassword, secrets: which };
    if (which !== 'password') Object.assign(body, { pin: $('reset-pin').value, pinConfirm: $('reset-pin2').value });
    if (which !== 'pin') Object.assign(body, { password: $('reset-password').value.toUpperCase(), passwordConfirm: $('reset-password2').value.toUpperCase() });
    for (const input of form.querySelectorAll('input')) input.value = '';
    if (body.pin !== body.pinConfirm || body.password !== body.passwordConfirm) {
      showProblem($('screen-problem'), { code: 'ERR_APP_SECRET_FORMAT', detail: t(body.pin !== body.pinConfirm ? 'phone.pinsDiffer' : 'phone.passwordsDiffer') });
      form.querySelector('input')?.focus();
      return;
    }
    $('reset-submit').disabled = true;
    ctx.working();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/secret-reset`, { body });
    $('reset-submit').disabled = false;
    if (!r.ok) {
      // A wrong card password: enter it again; another card, or any other refusal: the person reads why.
      if (r.problem.code === 'ERR_APP_CARD_PASSWORD_WRONG') ctx.draft.cardPassword = undefined;
      ctx.problem(r.problem);
      form.querySelector('input')?.focus();
      return;
    }
    ctx.clear();
    ctx.draft = { reset: r.data };
    ctx.phone = r.data.phone;
    await ctx.refresh();
    ctx.go('reset-done', { replace: true });
  });
  return h;
}

function resetDone(screen, ctx) {
  const h = ctx.heading(screen, 'phone.resetDoneTitle');
  const done = ctx.draft.reset;
  screen.append(steps(RESET_STEPS, 5), el('p', { class: 'result', id: 'reset-result' }, label(`phone.resetDone.${done?.secrets ?? 'pin'}`)));
  if (done) screen.append(el('p', {}, el('small', {}, 'TSM ', el('code', {}, done.sessionId))));
  screen.append(el('div', { class: 'actions' }, button('reset-back', 'phone.backToApp', 'primary')));
  $('reset-back').addEventListener('click', () => ctx.go('app-home'));
  return h;
}

/** Flow 10 in the OS settings: what a reset does, a confirmation, then the reset. */
function factoryReset(screen, ctx) {
  const h = ctx.heading(screen, 'phone.factoryResetTitle');
  const confirm = el('input', { type: 'checkbox', id: 'factory-reset-confirm' });
  const go = button('factory-reset-go', 'phone.factoryResetButton', 'danger');
  screen.append(
    label('phone.factoryResetHelp', 'p'),
    el('ul', {}, label('phone.factoryReset1', 'li'), label('phone.factoryReset2', 'li'), label('phone.factoryReset3', 'li')),
    el('div', { class: 'toggle' }, confirm, el('label', { for: 'factory-reset-confirm' }, label('phone.factoryResetConfirm'))),
    el('div', { class: 'actions' }, go, button('factory-reset-cancel', 'phone.cancel')),
  );
  $('factory-reset-cancel').addEventListener('click', () => ctx.go('settings', { replace: true }));
  go.addEventListener('click', async () => {
    if (!confirm.checked) {
      showProblem($('screen-problem'), { code: 'ERR_WEB_RESET_NOT_CONFIRMED', detail: t('phone.factoryResetTick') });
      confirm.focus();
      return;
    }
    go.disabled = true;
    ctx.working();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/factory-reset`, { body: { confirm: true } });
    go.disabled = false;
    if (!r.ok) return ctx.problem(r.problem);
    ctx.clear();
    ctx.draft = { factoryReset: r.data };
    ctx.phone = r.data.phone;
    // The apps are gone: nothing to go back to.
    ctx.history = [];
    await ctx.refresh();
    ctx.go('factory-reset-done', { replace: true });
  });
  return h;
}

function handlerLabel(name) {
  const key = `phone.handler.${name}`;
  return t(key) === key ? el('code', {}, name) : label(key);
}

/** The notice the OS sent, who was told, who is still to be. */
export function resetNotice(r) {
  const told = el('ul', { id: 'reset-told' }, ...r.completed.map((name) => el('li', { 'data-handler': name }, handlerLabel(name))));
  if (r.completed.length === 0) told.append(label('phone.nobody', 'li'));
  const parts = [
    el('dl', { class: 'issued', id: 'reset-notice' },
      label('phone.noticeId', 'dt'), el('dd', {}, el('code', { id: 'reset-notice-id' }, r.notice.id)),
      label('phone.resetAt', 'dt'), el('dd', {}, r.notice.resetAt)),
    label('phone.told', 'h4'), told,
  ];
  if (r.pending.length > 0) {
    parts.push(label('phone.pendingTitle', 'h4'),
      el('ul', { id: 'reset-pending' }, ...r.pending.map((p) => el('li', {}, handlerLabel(p.handler), ' ', el('code', {}, p.lastError ?? '')))),
      el('p', { class: 'problem' }, label('phone.pendingHelp')));
  }
  return parts;
}

function factoryResetDone(screen, ctx) {
  const h = ctx.heading(screen, 'phone.factoryResetDoneTitle');
  const r = ctx.draft.factoryReset;
  screen.append(label('phone.factoryResetDoneHelp', 'p'));
  if (r) screen.append(...resetNotice(r));
  screen.append(el('div', { class: 'actions' }, button('reset-to-home', 'phone.home', 'primary')));
  $('reset-to-home').addEventListener('click', () => ctx.go('home', { replace: true }));
  return h;
}

export const CARE_SCREENS = {
  'change-start': changeStart,
  'change-pin': changePin,
  'change-password': changePassword,
  'change-done': changeDone,
  'reset-start': resetStart,
  'reset-password': resetPassword,
  'reset-card': resetCard,
  'reset-secrets': resetSecrets,
  'reset-done': resetDone,
  'factory-reset': factoryReset,
  'factory-reset-done': factoryResetDone,
};
