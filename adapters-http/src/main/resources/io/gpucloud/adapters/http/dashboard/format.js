// Numbers, dates and durations, in the browser's locale.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const hourOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatInteger = n => integer.format(n);
export const formatCompact = n => compact.format(n);
export const formatTime = date => time.format(date);
export const formatHour = date => hourOnly.format(date);
export const formatDay = date => weekday.format(date);

export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatLatency(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  return ms < 1000 ? `${integer.format(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** "3 minutes ago"; "never" for null. */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return 'never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

/**
 * The usage window for "this month": /api/metrics covers at most 168 hourly buckets, so in the month's first seven
 * days (UTC) it is the month to date exactly; later it is the last 7 days, and says so.
 */
export function monthWindow(now = new Date()) {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const hours = Math.floor((now.getTime() - monthStart) / 3600000) + 1;
  return hours <= 168
    ? { hours, label: 'Tokens this month', exact: true }
    : { hours: 168, label: 'Tokens, last 7 days', exact: false };
}
