// Workers (GET /api/workers): online or lost, what each is doing. A server without that endpoint (404) shows a
// note instead, and is asked again once a minute rather than on every refresh.

import { badge, byId, cell, h, reconcileRows, setText } from './dom.js';
import { formatAgo, formatDateTime, formatInteger } from './format.js';

const RECHECK_MISSING_MS = 60000;

export function createWorkersView() {
  const tbody = byId('workers-table').tBodies[0];
  let workers = null; // null: the server has no /api/workers
  let missingSince = 0;

  function row(worker) {
    const load = worker.concurrency ? `${formatInteger(worker.inFlight)} / ${formatInteger(worker.concurrency)}`
      : formatInteger(worker.inFlight);
    return h('tr', { dataset: { id: worker.id, status: worker.status } },
      h('th', { scope: 'row', dataset: { label: 'Worker' } }, h('code', {}, worker.id)),
      cell('Host', worker.host || '—'),
      cell('Status', badge(worker.status)),
      cell('Models', (worker.models || []).join(', ') || '—'),
      h('td', { class: 'num', dataset: { label: 'In flight' } }, load),
      cell('Last seen', h('span', { title: formatDateTime(worker.lastSeenAt) }, formatAgo(worker.lastSeenAt))));
  }

  function render() {
    const empty = byId('workers-empty');
    const table = byId('workers-table');
    if (workers === null) {
      empty.textContent = 'This server does not report workers (it has no GET /api/workers). '
        + 'Workers show here on a server that runs GPU workers.';
      empty.hidden = false;
      table.hidden = true;
      setText('workers-summary', '');
      return;
    }
    table.hidden = workers.length === 0;
    empty.hidden = workers.length > 0;
    empty.textContent = 'No worker has connected yet: workers show here once gpucloud worker runs against this server\'s Redis.';
    const online = workers.filter(w => w.status === 'online').length;
    const inFlight = workers.reduce((sum, w) => sum + (w.inFlight || 0), 0);
    setText('workers-summary', workers.length
      ? `${online} online, ${workers.length - online} lost, ${formatInteger(inFlight)} requests in flight` : '');
    const order = { online: 0, lost: 1 };
    const sorted = [...workers].sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.id.localeCompare(b.id));
    const minute = Math.floor(Date.now() / 60000);
    reconcileRows(tbody, sorted, w => w.id, w => JSON.stringify([w, minute]), row);
  }

  return {
    async load(api) {
      if (workers === null && missingSince && Date.now() - missingSince < RECHECK_MISSING_MS) return;
      try {
        workers = (await api.get('/api/workers')).workers || [];
        missingSince = 0;
      } catch (failure) {
        if (failure.kind !== 'not_found') throw failure;
        workers = null;
        missingSince = Date.now();
      }
    },
    render,
  };
}
