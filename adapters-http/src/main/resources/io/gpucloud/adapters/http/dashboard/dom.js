// Small DOM helpers: element creation without innerHTML (no markup is ever built from data), and keyed row
// updates that leave unchanged rows (and the focus inside them) alone.

export const byId = id => document.getElementById(id);

/** h('td', {class: 'num', dataset: {label: 'Requests'}}, '12') */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

export function setText(id, text) {
  const element = byId(id);
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Makes tbody's rows the rows of `items`, in order. A row whose signature did not change is kept as it is; a
 * changed row is rebuilt, and when it held the focus, the focus moves to the same control (data-action) of the
 * new row.
 */
export function reconcileRows(tbody, items, keyOf, signatureOf, render) {
  const existing = new Map([...tbody.rows].map(row => [row.dataset.key, row]));
  const wanted = items.map(item => {
    const key = String(keyOf(item));
    const signature = signatureOf(item);
    const old = existing.get(key);
    existing.delete(key);
    if (old && old.dataset.signature === signature) return old;
    const row = render(item);
    row.dataset.key = key;
    row.dataset.signature = signature;
    if (old) {
      const focusedAction = old.contains(document.activeElement) && document.activeElement.dataset.action;
      old.replaceWith(row);
      if (focusedAction) row.querySelector(`[data-action="${focusedAction}"]`)?.focus();
    }
    return row;
  });
  for (const gone of existing.values()) gone.remove();
  wanted.forEach((row, index) => {
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
  });
}

/** A table cell that shows its column name before the value on narrow screens (see style.css). */
export function cell(label, ...children) {
  return h('td', { dataset: { label } }, h('span', { class: 'value' }, ...children));
}

/** A cell whose value does not wrap on wide screens (dates, prefixes). */
export function nowrapCell(label, ...children) {
  const td = cell(label, ...children);
  td.classList.add('nowrap');
  return td;
}

export function badge(state, text = state) {
  return h('span', { class: `badge badge-${state}` }, text);
}
