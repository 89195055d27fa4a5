// Sign-in: paste an API token (created with `firebreak token create`); it is checked against
// /api/v1/whoami before it is kept.
import { h, mount, note } from '../lib/dom.js';
import { get, setToken } from '../lib/api.js';

export function render(main, { onSignedIn }) {
  const msg = h('div', { id: 'signin-msg' });
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', placeholder: 'fbt_…' });
  const form = h('form', { class: 'card signin', id: 'signin' },
    h('h1', null, 'Sign in to Firebreak'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { class: 'muted' }, 'Create one with: firebreak token create --data DIR --person ID --scopes read,write'),
    h('button', { type: 'submit' }, 'Sign in'),
    msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    try {
      await get('/api/v1/whoami');
      onSignedIn();
    } catch (err) {
      setToken('');
      mount(msg, note('error', err.status === 401 ? `Token refused: ${err.message}` : err.message));
    }
  });
  mount(main, form);
  input.focus();
}
