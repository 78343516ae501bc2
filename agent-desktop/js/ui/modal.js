// A small modal dialog. `onSubmit` may throw: its message is shown in the dialog and the
// dialog stays open, so nothing the user typed is lost.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function openModal({ title, body, submitLabel, danger = false, wide = false, onSubmit }) {
  const error = h('div.error-text.hidden');
  const submit = h('button.btn', { class: danger ? 'danger solid' : 'primary', type: 'submit' }, submitLabel ?? t('common.save'));
  const form = h(
    'form.modal',
    { class: wide ? 'wide' : '', onsubmit: (e) => void handle(e) },
    h('div.modal-head', {}, h('h3', {}, title)),
    h('div.modal-body', {}, body, error),
    h('div.modal-foot', {}, h('button.btn', { type: 'button', onclick: () => close() }, t('common.cancel')), onSubmit ? submit : null),
  );
  const back = h('div.modal-back', { onclick: (e) => e.target === back && close() }, form);
  const onKey = (e) => e.key === 'Escape' && close();
  document.addEventListener('keydown', onKey);
  document.body.append(back);
  form.querySelector('input, select, textarea')?.focus();

  function close() {
    document.removeEventListener('keydown', onKey);
    back.remove();
  }

  async function handle(e) {
    e.preventDefault();
    if (!onSubmit) return close();
    submit.disabled = true;
    error.classList.add('hidden');
    try {
      await onSubmit();
      close();
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
      error.classList.remove('hidden');
    } finally {
      submit.disabled = false;
    }
  }

  return { close };
}
