// The dashboard: sign-in, sections, and the refresh loop (every 5 s while the tab is visible).

import { createClient, describeBase, fetchHealth, normalizeBase } from './api.js';
import { byId } from './dom.js';
import { formatTime } from './format.js';
import { createKeysView } from './keys.js';
import { createUsageView } from './usage.js';
import { createDeploymentsView } from './deployments.js';
import { createWorkersView } from './workers.js';

const REFRESH_MS = 5000;
const TOKEN_KEY = 'gpucloud.adminToken';
const BASE_KEY = 'gpucloud.apiBase';
const SECTIONS = ['keys', 'usage', 'deployments', 'workers'];
const SEVERITY = { unauthorized: 4, unreachable: 3, unavailable: 2, failed: 1, not_found: 1 };

let client = null;
let timer = 0;
let running = null;
let again = false;
let lastSuccess = null;

const ctx = {
  state: { keys: [] },
  api: () => client,
  notify,
  refresh,
  fail: failure => showFailure(failure),
};
const views = [createKeysView(ctx), createUsageView(ctx), createDeploymentsView(ctx), createWorkersView(ctx)];

function notify(text) {
  const toast = byId('toast');
  toast.textContent = text;
  toast.classList.add('shown');
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => toast.classList.remove('shown'), 6000);
}

function setBanner(text) {
  const banner = byId('banner');
  if (banner.textContent !== text) banner.textContent = text;
  banner.hidden = !text;
}

function showFailure(failure) {
  if (failure.kind === 'unauthorized') {
    signOut(`${failure.message} You have been signed out.`);
    return;
  }
  const stale = lastSuccess ? ` The figures below are from ${formatTime(lastSuccess)}.` : '';
  const retry = failure.kind === 'unreachable' || failure.kind === 'unavailable' ? ' Retrying every 5 s.' : '';
  setBanner(`${failure.message}${retry}${stale}`);
}

function renderHealth(health) {
  const states = {
    api: health.reachable ? (health.status === 'stopping' ? 'down' : 'up') : 'down',
    database: health.services.database || 'unknown',
    redis: health.services.redis || 'unknown',
  };
  for (const item of byId('health').children) {
    const state = states[item.dataset.service];
    if (item.dataset.state === state) continue;
    item.dataset.state = state;
    item.querySelector('strong').textContent = state;
  }
}

async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  running = (async () => {
    do {
      again = false;
      try {
        await refreshOnce();
      } catch (bug) {
        console.error(bug);
        setBanner(`The page failed to update (${bug.message}). Reload it; if that does not help, report it.`);
      }
    } while (again);
  })();
  try {
    await running;
  } finally {
    running = null;
    schedule();
  }
}

async function refreshOnce() {
  const base = client ? client.base : currentBaseGuess();
  const healthCall = fetchHealth(base).then(renderHealth);
  if (!client) {
    await healthCall;
    return;
  }
  const api = client;
  const results = await Promise.allSettled(views.map(view => view.load(api)));
  await healthCall;
  if (api !== client) return; // signed out meanwhile
  views.forEach((view, index) => {
    if (results[index].status === 'fulfilled') view.render();
  });
  const failures = results.filter(result => result.status === 'rejected').map(result => result.reason);
  if (failures.length) {
    failures.sort((a, b) => (SEVERITY[b.kind] || 0) - (SEVERITY[a.kind] || 0));
    showFailure(failures[0]);
    if (!client) return;
  } else {
    lastSuccess = new Date();
    setBanner('');
  }
  byId('updated').textContent = lastSuccess ? `Updated ${formatTime(lastSuccess)}` : 'Not loaded yet';
}

function schedule() {
  clearTimeout(timer);
  if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
}

function currentBaseGuess() {
  try {
    return normalizeBase(byId('signin-base').value);
  } catch {
    return '';
  }
}

function showSection() {
  const wanted = location.hash.slice(1);
  const section = SECTIONS.includes(wanted) ? wanted : 'keys';
  for (const view of document.querySelectorAll('[data-view]')) view.hidden = view.dataset.view !== section;
  for (const link of document.querySelectorAll('[data-tab]')) {
    if (link.dataset.tab === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (client) document.title = `${byId(`view-${section}`).querySelector('h1').textContent} · GPU Cloud`;
}

function showSignedIn(signedIn) {
  byId('signin').hidden = signedIn;
  byId('app').hidden = !signedIn;
  byId('session').hidden = !signedIn;
  if (signedIn) {
    byId('session-base').textContent = describeBase(client.base);
    showSection();
  } else {
    document.title = 'Sign in · GPU Cloud';
  }
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  client = null;
  lastSuccess = null;
  setBanner('');
  showSignedIn(false);
  byId('signin-error').textContent = message;
  byId('signin-token').value = '';
  byId('signin-token').focus();
}

async function signIn(event) {
  event.preventDefault();
  const error = byId('signin-error');
  const tokenInput = byId('signin-token');
  const submit = byId('signin-submit');
  error.textContent = '';
  tokenInput.removeAttribute('aria-invalid');
  let base;
  try {
    base = normalizeBase(byId('signin-base').value);
  } catch (invalid) {
    error.textContent = invalid.message;
    byId('signin-base').focus();
    return;
  }
  const token = tokenInput.value.trim();
  if (!token) {
    error.textContent = 'Enter the admin token.';
    tokenInput.setAttribute('aria-invalid', 'true');
    tokenInput.focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = 'Signing in…';
  try {
    const candidate = createClient(base, token);
    await candidate.get('/api/keys');
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(BASE_KEY, base);
    client = candidate;
    tokenInput.value = '';
    showSignedIn(true);
    byId('main').focus();
    await refresh();
  } catch (failure) {
    error.textContent = failure.kind === 'unauthorized'
      ? 'That admin token was refused (HTTP 401). Use the ADMIN_TOKEN the server runs with '
        + '(printed once at its first start when it was generated).'
      : failure.message;
    if (failure.kind === 'unauthorized') {
      tokenInput.setAttribute('aria-invalid', 'true');
      tokenInput.select();
    }
    fetchHealth(base).then(renderHealth);
  } finally {
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }
}

function start() {
  byId('signin-form').addEventListener('submit', signIn);
  byId('sign-out').addEventListener('click', () => signOut('Signed out.'));
  byId('refresh-now').addEventListener('click', () => refresh());
  window.addEventListener('hashchange', showSection);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(timer);
    else refresh();
  });
  const token = sessionStorage.getItem(TOKEN_KEY);
  const base = sessionStorage.getItem(BASE_KEY) || '';
  byId('signin-base').value = base;
  if (token) {
    client = createClient(base, token);
    showSignedIn(true);
  } else {
    showSignedIn(false);
  }
  refresh();
}

start();
