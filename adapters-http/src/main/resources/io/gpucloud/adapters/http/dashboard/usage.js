// Usage: requests and tokens per hour for the last 24 hours or 7 days, all keys or one, with the totals.

import { byId, h, setText } from './dom.js';
import { liveChart } from './chart.js';
import { formatInteger, formatLatency } from './format.js';

export function createUsageView(ctx) {
  const select = byId('usage-key');
  const requestsChart = liveChart(byId('chart-requests'));
  const tokensChart = liveChart(byId('chart-tokens'));
  let metrics = null;

  const hours = () => Number(document.querySelector('input[name="usage-hours"]:checked').value);
  const query = () => `hours=${hours()}${select.value ? `&apiKeyId=${encodeURIComponent(select.value)}` : ''}`;

  function renderKeyOptions() {
    const keys = ctx.state.keys || [];
    const wanted = [['', 'All keys'], ...keys.map(key => [key.id, `${key.name} (${key.prefix}…)${key.status === 'active' ? '' : `, ${key.status}`}`])];
    const current = [...select.options].map(option => [option.value, option.textContent]);
    if (JSON.stringify(current) === JSON.stringify(wanted)) return;
    const selected = select.value;
    select.replaceChildren(...wanted.map(([value, label]) => h('option', { value }, label)));
    select.value = wanted.some(([value]) => value === selected) ? selected : '';
  }

  function render() {
    renderKeyOptions();
    if (!metrics) return;
    const { summary, timeSeries } = metrics;
    setText('usage-total-requests', formatInteger(summary.totalRequests));
    setText('usage-total-tokens', formatInteger(summary.totalTokens));
    setText('usage-avg-latency', summary.totalRequests > 0 ? formatLatency(summary.avgLatencyMs) : '—');
    const period = timeSeries.length > 48 ? '7 days' : '24 hours';
    const points = key => timeSeries.map(bucket => ({ time: new Date(bucket.timestamp), value: bucket[key] }));
    requestsChart.update(points('requestCount'), { title: 'Requests per hour', unit: 'requests', period });
    tokensChart.update(points('tokenCount'), { title: 'Tokens per hour', unit: 'tokens', period });
  }

  async function load(api) {
    const wanted = query();
    const loaded = await api.get(`/api/metrics?${wanted}`);
    if (wanted === query()) metrics = loaded; // else the selection changed meanwhile: its own load follows
  }

  async function reload() {
    byId('view-usage').setAttribute('aria-busy', 'true');
    try {
      await load(ctx.api());
      render();
    } catch (failure) {
      ctx.fail(failure);
    } finally {
      byId('view-usage').removeAttribute('aria-busy');
    }
  }

  document.querySelectorAll('input[name="usage-hours"]').forEach(radio => radio.addEventListener('change', reload));
  select.addEventListener('change', reload);

  return { load, render };
}
