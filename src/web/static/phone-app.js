// The phone's use screens (seed phase 4, service usage and certificate management): the app's home with
// its certificates, certificate management (states at the CA, deletion on the old phone, revocation
// from this phone with the PIN pad), fingerprint unlock (PIN pad, then the biometric prompt), the phone's
// settings (network, fingers) and the push notifications it received.
import { api, biometricPrompt, el, FINGERS, label, pinPad, table } from './common.js';
import { applyLabels, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

function button(id, key, cls) {
  return el('button', { type: 'button', id, ...(cls ? { class: cls } : {}) }, label(key));
}

function status(s) {
  return el('span', { class: `status-${s}` }, s);
}

function appHome(screen, ctx) {
  const app = ctx.phone.app;
  const h = ctx.heading(screen, 'phone.appHomeTitle');
  if (app?.certificates) {
    screen.append(el('dl', { class: 'issued' },
      label('common.authCert', 'dt'), el('dd', {}, el('code', {}, app.certificates.auth)),
      label('common.signCert', 'dt'), el('dd', {}, el('code', {}, app.certificates.sign))),
    el('p', {}, label(app.fingerprintUnlock ? 'phone.bioOn' : 'phone.bioOff')),
    label('phone.useHelp', 'p'));
  } else {
    screen.append(label('phone.noCertificates', 'p'));
  }
  const menu = el('div', { class: 'app-menu' },
    button('open-certs', 'phone.certsTitle'),
    app?.certificates ? button('open-change', 'phone.changeTitle') : null,
    app?.certificates ? button('open-forgot', 'phone.forgotButton') : null,
    button('open-bio', 'phone.bioTitle'),
    button('app-notifications', 'phone.notifications'),
    button('open-model-change', 'phone.modelChangeTitle'),
    app?.certificates ? null : button('issue-again', 'phone.issueBegin', 'primary'));
  screen.append(menu);
  $('open-certs').addEventListener('click', () => ctx.go('certs'));
  $('open-change')?.addEventListener('click', () => ctx.go('change-start'));
  $('open-forgot')?.addEventListener('click', () => ctx.go('reset-start'));
  $('open-bio').addEventListener('click', () => ctx.go('bio'));
  $('app-notifications').addEventListener('click', () => ctx.go('notifications'));
  $('open-model-change').addEventListener('click', () => ctx.go('model-change'));
  $('issue-again')?.addEventListener('click', () => ctx.go('issue-start'));
  return h;
}

function orderRows(orders) {
  if (!orders || orders.orders.length === 0) return label('phone.noOrders', 'p');
  return table([
    ['phone.oldPhone', (o) => el('code', {}, o.seId)],
    ['phone.deletion', (o) => el('span', { class: `deletion-${o.deletion}` }, label(`phone.deletion.${o.deletion}`))],
    ['inspector.at', (o) => o.createdAt],
  ], orders.orders);
}

/** What the app itself reads (`JpkiApp.status()`): the warnings, in the reader's language, from the data. */
function warningsOf(status, orders) {
  const out = [];
  for (const o of orders?.orders ?? []) {
    if (o.state !== 'pending') continue;
    const key = o.deletion === 'not-confirmed' ? 'phone.warn.notConfirmed' : 'phone.warn.waiting';
    out.push(el('li', { class: o.deletion === 'not-confirmed' ? 'warn-not-confirmed' : 'warn-waiting' }, label(key), ' ', el('small', {}, 'SE ', el('code', {}, o.seId), ` · push ${o.push.status}`)));
  }
  for (const c of status.certificates) {
    if (!['suspended', 'revoked', 'expired'].includes(c.state)) continue;
    out.push(el('li', { class: `warn-${c.state}` }, label(c.which === 'auth' ? 'common.authCert' : 'common.signCert'), ': ', label(`phone.warn.${c.state}`)));
  }
  return out;
}

function appStatus(data) {
  const parts = [label('phone.appStatusTitle', 'h4')];
  if (!data.status) {
    parts.push(el('p', {}, label('phone.statusUnavailable'), ' ', el('code', {}, data.statusCode ?? '')));
    return parts;
  }
  const warnings = warningsOf(data.status, data.orders);
  if (warnings.length > 0) parts.push(el('ul', { id: 'app-warnings', class: 'warnings', role: 'status' }, ...warnings));
  if (data.status.certificates.length > 0) {
    parts.push(table([
      ['common.use', (c) => label(c.which === 'auth' ? 'common.authCert' : 'common.signCert')],
      ['common.serial', (c) => el('code', {}, c.serial)],
      ['phone.ocspState', (c) => status(c.state)],
      ['common.reason', (c) => c.reason ?? '—'],
      ['phone.source', (c) => c.source ?? c.code ?? '—'],
    ], data.status.certificates));
    parts.at(-1).setAttribute('id', 'status-table');
  }
  return parts;
}

function certs(screen, ctx) {
  const h = ctx.heading(screen, 'phone.certsTitle');
  const body = el('div', { id: 'certs-body', 'aria-live': 'polite' }, label('common.working', 'p'));
  const revoke = el('div', { id: 'revoke-area' });
  screen.append(body, revoke);
  void (async () => {
    const r = await api('GET', `/web/v1/phones/${ctx.id}/certificates`);
    if (!r.ok) return ctx.problem(r.problem);
    const rows = r.data.certificates;
    const parts = [];
    if (rows.length === 0) parts.push(label('phone.noCertificates', 'p'));
    else {
      parts.push(table([
        ['common.use', (c) => label(c.use === 'auth' ? 'common.authCert' : 'common.signCert')],
        ['common.serial', (c) => el('code', {}, c.serial)],
        ['common.status', (c) => status(c.status)],
        ['common.reason', (c) => c.reason ?? '—'],
        ['phone.onPhone', (c) => label(c.current ? 'phone.yes' : 'phone.no')],
      ], rows));
    }
    parts.push(...appStatus(r.data));
    parts.push(label('phone.ordersTitle', 'h4'));
    if (r.data.orders?.deletionNotConfirmed) parts.push(el('p', { class: 'problem', role: 'alert' }, label('phone.deletionNotConfirmed')));
    parts.push(r.data.orders ? orderRows(r.data.orders) : el('p', {}, label('phone.ordersUnavailable'), ' ', el('code', {}, r.data.ordersCode ?? '')));
    body.replaceChildren(...parts);
    body.querySelector('table:not(#status-table)')?.setAttribute('id', 'certs-table');
    applyLabels(body);
    if (ctx.phone.app?.certificates) {
      const start = button('revoke-start', 'phone.revokeButton', 'danger');
      revoke.replaceChildren(label('phone.revokeHelp', 'p'), start);
      applyLabels(revoke);
      start.addEventListener('click', () => {
        revoke.replaceChildren(label('phone.revokePin', 'p'), el('div', { id: 'revoke-pad' }));
        applyLabels(revoke);
        pinPad($('revoke-pad'), { id: 'revoke-pin', onSubmit: (pin) => void doRevoke(ctx, pin) });
        $('revoke-pin').focus();
      });
    }
  })();
  return h;
}

async function doRevoke(ctx, pin) {
  ctx.working();
  const r = await api('POST', `/web/v1/phones/${ctx.id}/revocation`, { body: { pin } });
  if (!r.ok) return ctx.problem(r.problem);
  ctx.clear();
  await ctx.refresh();
  ctx.go('certs', { replace: true });
}

function bio(screen, ctx) {
  const h = ctx.heading(screen, 'phone.bioTitle');
  const app = ctx.phone.app;
  const area = el('div', { id: 'bio-area' });
  screen.append(label('phone.bioHelp', 'p'), area);
  if (!app?.certificates) {
    area.append(label('phone.noCertificates', 'p'));
  } else if (ctx.phone.fingerprints.length === 0) {
    area.append(label('phone.enrolFirst', 'p'), button('bio-settings', 'phone.settings'));
    $('bio-settings').addEventListener('click', () => ctx.go('settings'));
  } else if (app.fingerprintUnlock) {
    area.append(el('p', { id: 'bio-state' }, label('phone.bioOn')), button('bio-off', 'phone.bioTurnOff'));
    $('bio-off').addEventListener('click', async () => {
      const r = await api('DELETE', `/web/v1/phones/${ctx.id}/fingerprint-unlock`);
      if (!r.ok) return ctx.problem(r.problem);
      ctx.phone = r.data;
      ctx.go('bio', { replace: true });
    });
  } else {
    area.append(label('phone.bioPin', 'p'), el('div', { id: 'bio-pad' }));
    pinPad($('bio-pad'), {
      id: 'bio-pin',
      onSubmit: (pin) => {
        area.replaceChildren(el('div', { id: 'bio-prompt' }));
        biometricPrompt($('bio-prompt'), {
          id: 'bio-finger',
          enrolled: ctx.phone.fingerprints.map((f) => f.finger),
          onTouch: (finger) => void enableBio(ctx, pin, finger),
          onCancel: () => ctx.go('bio', { replace: true }),
        });
        $('bio-finger').focus();
      },
    });
  }
  return h;
}

async function enableBio(ctx, pin, finger) {
  ctx.working();
  const r = await api('POST', `/web/v1/phones/${ctx.id}/fingerprint-unlock`, { body: { pin, finger } });
  if (!r.ok) {
    ctx.go('bio', { replace: true });
    return ctx.problem(r.problem);
  }
  ctx.clear();
  ctx.phone = r.data;
  ctx.go('bio', { replace: true });
}

function settings(screen, ctx) {
  const h = ctx.heading(screen, 'phone.settings');
  const online = el('input', { type: 'checkbox', id: 'net-online', ...(ctx.phone.online ? { checked: true } : {}) });
  screen.append(el('div', { class: 'toggle' }, online, el('label', { for: 'net-online' }, label('phone.networkLabel'))));
  online.addEventListener('change', async () => {
    const r = await api('POST', `/web/v1/phones/${ctx.id}/network`, { body: { online: online.checked } });
    if (!r.ok) return ctx.problem(r.problem);
    ctx.phone = r.data;
    await ctx.refresh();
  });
  screen.append(label('phone.fingersTitle', 'h4'));
  const list = el('ul', { id: 'finger-list' }, ...ctx.phone.fingerprints.map((f) => {
    const remove = el('button', { type: 'button', class: 'small' }, label('phone.remove'));
    remove.addEventListener('click', async () => {
      const r = await api('DELETE', `/web/v1/phones/${ctx.id}/fingerprints/${f.id}`);
      if (!r.ok) return ctx.problem(r.problem);
      ctx.phone = r.data;
      ctx.go('settings', { replace: true });
    });
    return el('li', {}, el('span', { 'data-i18n': `finger.${f.finger}` }, t(`finger.${f.finger}`)), ' ', remove);
  }));
  if (ctx.phone.fingerprints.length === 0) list.append(label('phone.noFingers', 'li'));
  const enrolled = new Set(ctx.phone.fingerprints.map((f) => f.finger));
  const select = el('select', { id: 'enrol-finger' }, ...FINGERS.filter((f) => !enrolled.has(f)).map((f) => el('option', { value: f, 'data-i18n': `finger.${f}` }, t(`finger.${f}`))));
  const form = el('form', { class: 'grid' }, el('label', { for: 'enrol-finger' }, label('phone.enrolFinger')), select,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'enrol-button' }, label('phone.enrol'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/fingerprints`, { body: { finger: select.value } });
    if (!r.ok) return ctx.problem(r.problem);
    ctx.phone = r.data;
    ctx.go('settings', { replace: true });
  });
  screen.append(list, form, label('phone.enrolHelp', 'p'));
  screen.append(label('phone.factoryResetTitle', 'h4'), label('phone.factoryResetShort', 'p'));
  const last = ctx.phone.lastReset;
  if (last) screen.append(el('p', { id: 'last-reset' }, label('phone.lastReset'), ' ', last.resetAt, ' · ', el('code', {}, last.noticeId.slice(0, 12))));
  if (ctx.phone.pendingResetNotices > 0) screen.append(el('p', { class: 'problem' }, label('phone.pendingHelp')));
  screen.append(el('div', { class: 'actions' }, button('open-factory-reset', 'phone.factoryResetOpen', 'danger')));
  $('open-factory-reset').addEventListener('click', () => ctx.go('factory-reset'));
  return h;
}

function purposeLabel(purpose) {
  const key = `phone.purpose.${purpose}`;
  return t(key) === key ? el('span', {}, String(purpose ?? '?')) : label(key);
}

function notificationList(items) {
  if (items.length === 0) return label('phone.noNotifications', 'p');
  return el('ul', { class: 'notifications' }, ...items.map((n) => el('li', { class: `note-${n.outcome}` },
    el('strong', {}, purposeLabel(n.data.purpose), ' '),
    el('small', {}, n.receivedAt), el('br'),
    label(`phone.outcome.${n.outcome}`, 'span'),
    n.session ? el('span', {}, ' · ', el('code', {}, n.session.sessionId.slice(0, 12)), ` ${n.session.state}`) : null,
    n.code ? el('span', {}, ' · ', el('code', {}, n.code)) : null)));
}

function notifications(screen, ctx) {
  const h = ctx.heading(screen, 'phone.notifications');
  const list = el('div', { id: 'notification-list', 'aria-live': 'polite' });
  screen.append(label('phone.notificationsHelp', 'p'), el('div', { class: 'actions' }, button('poll-now', 'phone.pollNow')), list);
  const show = (data) => {
    list.replaceChildren(notificationList(data.notifications));
    applyLabels(list);
  };
  void api('GET', `/web/v1/phones/${ctx.id}/notifications`).then((r) => (r.ok ? show(r.data) : ctx.problem(r.problem)));
  $('poll-now').addEventListener('click', async () => {
    ctx.working();
    const r = await api('POST', `/web/v1/phones/${ctx.id}/notifications/poll`, { body: {} });
    if (!r.ok) return ctx.problem(r.problem);
    ctx.clear();
    show(r.data);
    await ctx.refresh();
  });
  return h;
}

export const APP_SCREENS = { 'app-home': appHome, certs, bio, settings, notifications };
