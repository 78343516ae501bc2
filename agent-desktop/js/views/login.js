import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { post, ApiError } from '../api.js';
import { saveSession } from '../session.js';
import { langSwitch } from '../ui/lang-switch.js';

export function mountLogin(root, { notice, onSignedIn }) {
  const username = h('input.input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input.input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('div.error-text', { role: 'alert' }, notice ?? '');
  const submit = h('button.btn.primary', { type: 'submit' }, t('login.submit'));

  async function signIn(e) {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = t('login.busy');
    error.textContent = '';
    try {
      const res = await post('/api/auth/login', { username: username.value.trim(), password: password.value });
      saveSession(res.token, res.user);
      onSignedIn();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
      submit.disabled = false;
      submit.textContent = t('login.submit');
      password.select();
    }
  }

  replace(
    root,
    h(
      'div.login',
      {},
      h(
        'section.login-art',
        {},
        h('div.brand', {}, h('img', { src: '/img/icon.svg', alt: '' }), h('span', {}, t('app.name'))),
        h(
          'div',
          {},
          h('h1', {}, t('login.art.title')),
          h('p', {}, t('login.art.body')),
          h('ul', {}, h('li', {}, t('login.art.1')), h('li', {}, t('login.art.2')), h('li', {}, t('login.art.3'))),
        ),
        h('small', {}, t('app.tagline')),
      ),
      h(
        'section.login-form-wrap',
        {},
        h('div.login-lang', {}, langSwitch()),
        h(
          'form.login-form',
          { onsubmit: signIn },
          h('h2', {}, t('login.title')),
          h('div.muted', {}, t('login.subtitle')),
          h('label.field', {}, h('span', {}, t('login.username')), username),
          h('label.field', {}, h('span', {}, t('login.password')), password),
          error,
          submit,
        ),
      ),
    ),
  );
  return { destroy() {} };
}
