// Hourly bar charts drawn as SVG by hand: nice y ticks, local-time x labels, one <title> per bar for the exact
// value, and an aria-label that says what the chart shows. Redrawn at the container's width (ResizeObserver), so
// the text keeps its size on a phone.

import { formatCompact, formatDay, formatHour, formatInteger } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 200;
const MARGIN = { top: 12, right: 8, bottom: 26, left: 46 };

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Round max up to 1, 2, 2.5 or 5 × 10^n so that four ticks land on round numbers. */
export function niceMax(max) {
  if (max <= 0) return 4;
  const step = max / 4;
  const power = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 2.5, 5, 10].find(m => m * power >= step) * power;
  return Math.max(nice * 4, 4);
}

function xLabel(date, hours) {
  if (hours <= 48) return date.getHours() % 3 === 0 ? formatHour(date) : null;
  return date.getHours() === 0 ? formatDay(date) : null;
}

/**
 * Draws `points` ([{time: Date, value: number}]) into `container`.
 * @param options {unit: 'requests', title: 'Requests per hour', hours: 24}
 */
export function drawBars(container, points, options) {
  const width = Math.max(280, Math.floor(container.clientWidth || 600));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = points.map(p => p.value);
  const total = values.reduce((sum, v) => sum + v, 0);
  const peak = Math.max(0, ...values);
  const top = niceMax(peak);
  const y = v => MARGIN.top + plotHeight - (v / top) * plotHeight;
  const band = plotWidth / Math.max(1, points.length);

  const peakPoint = points.find(p => p.value === peak);
  const summary = total === 0
    ? `${options.title}, last ${options.period}: none.`
    : `${options.title}, last ${options.period}: ${formatInteger(total)} ${options.unit} in total, `
      + `at most ${formatInteger(peak)} in one hour (${formatDay(peakPoint.time)} ${formatHour(peakPoint.time)}).`;
  const root = svg('svg', {
    width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': summary,
    'data-total': total, 'data-peak': peak, 'data-points': points.length,
  });

  const grid = svg('g', { class: 'grid' });
  for (let i = 0; i <= 4; i++) {
    const value = (top / 4) * i;
    const lineY = Math.round(y(value)) + 0.5;
    grid.append(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: lineY, y2: lineY }));
    grid.append(svg('text', { x: MARGIN.left - 6, y: lineY + 4, 'text-anchor': 'end' }, formatCompact(value)));
  }
  root.append(grid);

  const axis = svg('g', { class: 'axis' });
  let lastLabelX = -Infinity;
  points.forEach((point, index) => {
    const label = xLabel(point.time, points.length);
    const x = MARGIN.left + band * index + band / 2;
    if (label && x - lastLabelX > 44 && x < width - 20) {
      axis.append(svg('line', { x1: x, x2: x, y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight + 4 }));
      axis.append(svg('text', { x, y: HEIGHT - 8, 'text-anchor': 'middle' }, label));
      lastLabelX = x;
    }
  });
  root.append(axis);

  const bars = svg('g', { class: 'bars' });
  const barWidth = Math.max(1, band * (points.length > 48 ? 0.9 : 0.72));
  points.forEach((point, index) => {
    if (point.value <= 0) return;
    const barTop = Math.min(y(point.value), MARGIN.top + plotHeight - 2);
    const rect = svg('rect', {
      class: 'bar', x: (MARGIN.left + band * index + (band - barWidth) / 2).toFixed(2), y: barTop.toFixed(2),
      width: barWidth.toFixed(2), height: (MARGIN.top + plotHeight - barTop).toFixed(2), 'data-value': point.value,
    });
    rect.append(svg('title', {},
      `${formatDay(point.time)} ${formatHour(point.time)}: ${formatInteger(point.value)} ${options.unit}`));
    bars.append(rect);
  });
  root.append(bars);

  if (total === 0) {
    root.append(svg('text', { class: 'nodata', x: MARGIN.left + plotWidth / 2, y: MARGIN.top + plotHeight / 2,
      'text-anchor': 'middle' }, `No ${options.unit} in this period`));
  }
  container.replaceChildren(root);
}

/** Keeps a chart drawn at its container's width: call update(points, options) with new data. */
export function liveChart(container) {
  let last = null;
  let lastWidth = 0;
  let lastSignature = '';
  new ResizeObserver(() => {
    const width = container.clientWidth;
    if (last && width !== lastWidth) {
      lastWidth = width;
      lastSignature = '';
      drawBars(container, last.points, last.options);
    }
  }).observe(container);
  return {
    update(points, options) {
      const signature = JSON.stringify([points.map(p => [p.time.getTime(), p.value]), options, container.clientWidth]);
      last = { points, options };
      if (signature === lastSignature) return;
      lastSignature = signature;
      lastWidth = container.clientWidth;
      drawBars(container, points, options);
    },
  };
}
