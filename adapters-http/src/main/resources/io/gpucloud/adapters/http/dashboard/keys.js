// API keys: the list (with each key's tokens this month), creating a key (its secret shown once), revoking one.

import { badge, byId, cell, h, nowrapCell, reconcileRows, setText } from './dom.js';
import { clearFormError, confirmAction, openDialog, showFormError, showSecret } from './dialogs.js';
import { formatAgo, formatCompact, formatDateTime, formatInteger, monthWindow } from './format.js';

const TOKENS_MAX_AGE_MS = 5 * 60 * 1000;
const PARALLEL_TOKEN_CALLS = 4;

function limitsText(key) {
  const parts = [];
  if (key.rpm != null) parts.push(`${formatInteger(key.rpm)} rpm`);
  if (key.tpm != null) parts.push(`${formatCompact(key.tpm)} tpm`);
  if (key.monthlyTokenBudget != null) parts.push(`budget ${formatCompact(key.monthlyTokenBudget)}/month`);
  if (key.maxConcurrent != null) parts.push(`${formatInteger(key.maxConcurrent)} concurrent`);
  if (key.models && key.models.length) parts.push(`models: ${key.models.join(', ')}`);
  if (key.expiresAt) parts.push(`expires ${formatDateTime(key.expiresAt)}`);
  return parts.length ? parts.join(' · ') : 'No limits';
}

function optionalInteger(form, name, label) {
  const text = form.elements[name].value.trim();
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw Object.assign(new Error(`${label} must be a whole number of at least 1, or empty for no limit.`),
      { param: name });
  }
  return value;
}

/** The POST /api/keys body from the form; throws {message, param} for what the API would refuse anyway. */
function keyRequest(form) {
  const name = form.elements.name.value.trim();
  if (!name) throw Object.assign(new Error('Give the key a name.'), { param: 'name' });
  const body = { name };
  const rpm = optionalInteger(form, 'rpm', 'Requests per minute');
  const tpm = optionalInteger(form, 'tpm', 'Tokens per minute');
  const budget = optionalInteger(form, 'monthlyTokenBudget', 'The monthly token budget');
  const concurrent = optionalInteger(form, 'maxConcurrent', 'Concurrent requests');
  if (rpm !== undefined) body.rpm = rpm;
  if (tpm !== undefined) body.tpm = tpm;
  if (budget !== undefined) body.monthlyTokenBudget = budget;
  if (concurrent !== undefined) body.maxConcurrent = concurrent;
  const models = form.elements.models.value.split(',').map(m => m.trim()).filter(Boolean);
  if (models.length) body.models = models;
  const expires = form.elements.expiresAt.value;
  if (expires) {
    const date = new Date(expires);
    if (Number.isNaN(date.getTime()) || date.getTime() <= Date.now()) {
      throw Object.assign(new Error('The expiry must be a date in the future.'), { param: 'expiresAt' });
    }
    body.expiresAt = date.toISOString();
  }
  return body;
}

export function createKeysView(ctx) {
  const tbody = byId('keys-table').tBodies[0];
  const hideInactive = byId('keys-hide-inactive');
  const tokens = new Map(); // key id → {usageCount, hours, fetchedAt, value}
  let keys = [];
  let window = monthWindow();

  async function loadTokens(api) {
    window = monthWindow();
    const now = Date.now();
    const stale = keys.filter(key => {
      const known = tokens.get(key.id);
      if (key.usageCount === 0) {
        tokens.set(key.id, { usageCount: 0, hours: window.hours, fetchedAt: now, value: 0 });
        return false;
      }
      return !known || known.usageCount !== key.usageCount || known.hours !== window.hours
        || now - known.fetchedAt > TOKENS_MAX_AGE_MS;
    });
    const queue = [...stale];
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        const hours = window.hours;
        const metrics = await api.get(`/api/metrics?apiKeyId=${encodeURIComponent(key.id)}&hours=${hours}`);
        tokens.set(key.id, { usageCount: key.usageCount, hours, fetchedAt: Date.now(), value: metrics.summary.totalTokens });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_TOKEN_CALLS, queue.length) }, worker));
  }

  function tokensCell(key) {
    const known = tokens.get(key.id);
    if (!known) return cell(window.label, h('span', { class: 'muted' }, '…'));
    const used = formatInteger(known.value);
    if (key.monthlyTokenBudget == null || !window.exact) return cell(window.label, used);
    const share = Math.min(100, (known.value / key.monthlyTokenBudget) * 100);
    return cell(window.label, `${used} / ${formatCompact(key.monthlyTokenBudget)}`,
      h('meter', { min: 0, max: 100, value: share.toFixed(1), high: 80, optimum: 0,
        'aria-label': `${share.toFixed(1)}% of the monthly budget used` }));
  }

  function row(key) {
    const active = key.status === 'active';
    return h('tr', { dataset: { id: key.id, status: key.status } },
      h('th', { scope: 'row', dataset: { label: 'Name' } }, key.name),
      nowrapCell('Prefix', h('code', {}, `${key.prefix}…`)),
      cell('Status', badge(key.status)),
      nowrapCell('Created', formatDateTime(key.createdAt)),
      nowrapCell('Last used', h('span', { title: formatDateTime(key.lastUsedAt) }, formatAgo(key.lastUsedAt))),
      h('td', { class: 'num requests', dataset: { label: 'Requests' } }, formatInteger(key.usageCount)),
      Object.assign(tokensCell(key), { className: 'num tokens' }),
      cell('Limits', h('span', { class: 'limits' }, limitsText(key))),
      h('td', { class: 'actions' }, active
        ? h('button', { type: 'button', class: 'btn danger small', dataset: { action: 'revoke' },
          'aria-label': `Revoke ${key.name}`, onclick: () => revoke(key) }, 'Revoke')
        : ''));
  }

  function render() {
    setText('keys-tokens-header', window.label);
    setText('keys-tokens-note', window.exact
      ? 'Tokens this month: since the 1st, 00:00 UTC (budgets reset then).'
      : 'Tokens over the last 7 days: the usage API keeps hourly detail for 7 days at a time.');
    const shown = keys.filter(key => !hideInactive.checked || key.status === 'active')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    byId('keys-empty').hidden = keys.length > 0;
    const minute = Math.floor(Date.now() / 60000); // "3 minutes ago" changes with the minute
    reconcileRows(tbody, shown, key => key.id,
      key => JSON.stringify([key, tokens.get(key.id)?.value, window.label, minute]), row);
  }

  async function revoke(key) {
    const revoked = await confirmAction({
      title: `Revoke “${key.name}”?`,
      body: `Requests with this key (${key.prefix}…) are refused with 401 from the next one on. This cannot be undone.`,
      confirmLabel: 'Revoke key',
      action: () => ctx.api().remove(`/api/keys/${encodeURIComponent(key.id)}`),
    });
    if (revoked) {
      ctx.notify(`Key “${key.name}” revoked.`);
      await ctx.refresh();
    }
  }

  const dialog = byId('key-dialog');
  const form = byId('key-form');
  const error = byId('key-error');
  byId('key-new').addEventListener('click', () => {
    form.reset();
    clearFormError(form, error);
    openDialog(dialog, byId('key-name'));
  });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearFormError(form, error);
    const submit = byId('key-create');
    submit.disabled = true;
    try {
      const created = await ctx.api().post('/api/keys', keyRequest(form));
      dialog.close();
      form.reset();
      ctx.notify(`Key “${created.name}” created.`);
      showSecret(created.name, created.key);
      ctx.refresh();
    } catch (failure) {
      showFormError(form, error, failure);
    } finally {
      submit.disabled = false;
    }
  });
  hideInactive.addEventListener('change', render);

  return {
    async load(api) {
      keys = (await api.get('/api/keys')).keys;
      ctx.state.keys = keys;
      await loadTokens(api);
    },
    render,
  };
}
