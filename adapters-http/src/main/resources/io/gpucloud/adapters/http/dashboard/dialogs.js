// Modal dialogs on the native <dialog> element: showModal() makes the rest of the page inert and keeps the focus
// inside, Escape cancels, and the focus goes back to the control that opened the dialog when it closes.

import { byId } from './dom.js';

/** Opens `dialog` modally; Cancel buttons ([data-close]) and Escape close it. Returns the dialog. */
export function openDialog(dialog, focus) {
  const opener = document.activeElement;
  dialog.querySelectorAll('[data-close]').forEach(button => { button.onclick = () => dialog.close(); });
  dialog.addEventListener('close', () => {
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  }, { once: true });
  dialog.showModal();
  if (focus) focus.focus();
  return dialog;
}

/** Shows a field-level error from the API (its `param`) next to the form's message. */
export function showFormError(form, messageElement, error) {
  messageElement.textContent = error.message;
  form.querySelectorAll('[aria-invalid]').forEach(input => input.removeAttribute('aria-invalid'));
  const field = error.param && form.elements.namedItem(error.param);
  if (field && field.focus) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

export function clearFormError(form, messageElement) {
  messageElement.textContent = '';
  form.querySelectorAll('[aria-invalid]').forEach(input => input.removeAttribute('aria-invalid'));
}

/**
 * Asks before a destructive action. `action` runs when the user confirms; the dialog stays open with the error
 * when it fails. Resolves to true once the action succeeded, false when cancelled.
 */
export function confirmAction({ title, body, confirmLabel, action }) {
  const dialog = byId('confirm-dialog');
  const ok = byId('confirm-ok');
  const cancel = byId('confirm-cancel');
  const error = byId('confirm-error');
  byId('confirm-title').textContent = title;
  byId('confirm-body').textContent = body;
  ok.textContent = confirmLabel;
  error.textContent = '';
  return new Promise(resolve => {
    let done = false;
    cancel.onclick = () => dialog.close();
    dialog.addEventListener('close', () => resolve(done), { once: true });
    ok.onclick = async () => {
      ok.disabled = true;
      try {
        await action();
        done = true;
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
      } finally {
        ok.disabled = false;
      }
    };
    openDialog(dialog, cancel);
  });
}

/** Shows a new key's secret once, with a copy button; the secret leaves the page when the dialog closes. */
export function showSecret(name, secret) {
  const dialog = byId('secret-dialog');
  const input = byId('secret-value');
  const copied = byId('secret-copied');
  byId('secret-name').textContent = name;
  input.value = secret;
  copied.textContent = '';
  byId('secret-copy').onclick = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copied.textContent = 'Copied to the clipboard.';
    } catch {
      input.select();
      copied.textContent = 'The browser did not allow copying here: the key is selected, press Ctrl+C (⌘C).';
    }
  };
  byId('secret-done').onclick = () => dialog.close();
  // Escape would lose the key as silently as the button: allowed, the warning says it is shown once.
  dialog.addEventListener('close', () => {
    input.value = '';
  }, { once: true });
  openDialog(dialog, input);
  input.select();
}
