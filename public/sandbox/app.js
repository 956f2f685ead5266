// The sandbox page: renders the channel the Slack stand-in holds from the bot's own Block Kit, and
// sends what a Slack client sends (slash commands, button clicks) through the sandbox server, which
// signs them as Slack does. No framework: the page must load with nothing but the sandbox.

const EMOJI = {
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  no_entry: '⛔',
  lock: '🔒',
  unlock: '🔓',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  dart: '🎯',
  link: '🔗',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  arrow_forward: '▶️',
  double_vertical_bar: '⏸️',
  rotating_light: '🚨',
  fire: '🔥',
  rewind: '⏪',
  leftwards_arrow_with_hook: '↩️',
  octagonal_sign: '🛑',
  memo: '📝',
  mag: '🔍',
  clipboard: '📋',
  busts_in_silhouette: '👥',
  bust_in_silhouette: '👤',
  information_source: 'ℹ️',
  test_tube: '🧪',
  stopwatch: '⏱️',
  package: '📦',
  triangular_flag_on_post: '🚩',
  construction: '🚧',
  pause_button: '⏸️',
  repeat: '🔁',
  sos: '🆘',
  bell: '🔔',
  white_circle: '⚪',
  black_square_for_stop: '⏹️',
  speech_balloon: '💬',
  calendar: '📅',
  gear: '⚙️',
  bulb: '💡',
};

const state = { data: undefined, user: undefined, openThread: undefined, rendered: '' };
const $ = (id) => document.getElementById(id);

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function userName(id) {
  return state.data?.users.find((u) => u.id === id)?.name ?? id;
}

/** Slack's entity escapes come undone only after our own escaping, so nothing here becomes HTML. */
function inline(text) {
  let html = escapeHtml(text);
  html = html.replace(/&lt;([^&|]+?)(?:\|([^&]*?))?&gt;/g, (_m, target, label) => {
    if (target.startsWith('@'))
      return `<span class="mention">@${escapeHtml(userName(target.slice(1)))}</span>`;
    if (target.startsWith('!subteam^'))
      return `<span class="mention">@${escapeHtml(label || target.slice(9))}</span>`;
    if (target.startsWith('!date^')) {
      const [, seconds] = target.split('^');
      const date = new Date(Number(seconds) * 1000);
      return Number.isFinite(date.getTime())
        ? escapeHtml(date.toLocaleTimeString())
        : escapeHtml(label ?? '');
    }
    if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
    if (/^(https?|mailto):/.test(target))
      return `<a href="${target}" target="_blank" rel="noreferrer">${label || target}</a>`;
    return label || target;
  });
  html = html.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<strong>$2</strong>');
  html = html.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<em>$2</em>');
  html = html.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<del>$2</del>');
  html = html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] ?? m);
  return html;
}

/** mrkdwn → HTML: code spans and blocks first, so nothing inside them is formatted. */
function mrkdwn(text) {
  const parts = String(text).split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  const html = parts
    .map((part) => {
      if (part.startsWith('```') && part.endsWith('```') && part.length >= 6)
        return `<pre>${escapeHtml(part.slice(3, -3))}</pre>`;
      if (part.startsWith('`') && part.endsWith('`') && part.length >= 2)
        return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return part
        .split('\n')
        .map((line) =>
          line.startsWith('&gt;') || line.startsWith('>')
            ? `<blockquote>${inline(line.replace(/^>\s?/, ''))}</blockquote>`
            : inline(line),
        )
        .join('<br>');
    })
    .join('');
  return `<span class="mrkdwn">${html}</span>`;
}

function textObject(t) {
  if (!t) return '';
  return t.type === 'mrkdwn'
    ? mrkdwn(t.text)
    : escapeHtml(t.text).replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] ?? m);
}

function button(el, messageTs) {
  const style = el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '';
  const confirm = el.confirm ? ` data-confirm="${escapeHtml(JSON.stringify(el.confirm))}"` : '';
  return `<button class="sk${style}" type="button" data-action-id="${escapeHtml(el.action_id)}" data-value="${escapeHtml(el.value ?? '')}" data-ts="${escapeHtml(messageTs)}"${confirm}>${textObject(el.text)}</button>`;
}

function element(el, messageTs) {
  if (el.type === 'button') return button(el, messageTs);
  if (el.type === 'image')
    return `<img src="${escapeHtml(el.image_url)}" alt="${escapeHtml(el.alt_text ?? '')}">`;
  if (el.type === 'mrkdwn' || el.type === 'plain_text') return `<span>${textObject(el)}</span>`;
  return `<span class="muted">[${escapeHtml(el.type)}]</span>`;
}

function block(b, messageTs) {
  switch (b.type) {
    case 'header':
      return `<div class="block-header">${textObject(b.text)}</div>`;
    case 'section': {
      const fields = b.fields
        ? `<div class="fields">${b.fields
            .map(textObject)
            .map((f) => `<div>${f}</div>`)
            .join('')}</div>`
        : '';
      const accessory = b.accessory ? `<div>${element(b.accessory, messageTs)}</div>` : '';
      return `<div class="block-section"><div>${textObject(b.text)}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="block-context">${(b.elements ?? []).map((e) => element(e, messageTs)).join('')}</div>`;
    case 'divider':
      return '<hr class="block-divider">';
    case 'image':
      return `<div class="block-image">${b.title ? `<div>${textObject(b.title)}</div>` : ''}<img src="${escapeHtml(b.image_url)}" alt="${escapeHtml(b.alt_text ?? '')}"></div>`;
    case 'actions':
      return `<div class="block-actions">${(b.elements ?? []).map((e) => element(e, messageTs)).join('')}</div>`;
    default:
      return `<div class="muted">[${escapeHtml(b.type)} block]</div>`;
  }
}

function messageBody(m) {
  if (Array.isArray(m.blocks) && m.blocks.length > 0) return m.blocks.map((b) => block(b, m.ts)).join('');
  return `<div>${mrkdwn(m.text ?? '')}</div>`;
}

function time(ts) {
  return new Date(Number(String(ts).split('.')[0]) * 1000).toLocaleTimeString();
}

function messageHtml(m, { thread = false } = {}) {
  const replies =
    !thread && m.replies?.length
      ? `<button class="thread-link" type="button" data-thread="${escapeHtml(m.ts)}">${m.replies.length} ${m.replies.length === 1 ? 'reply' : 'replies'} · open thread</button>`
      : '';
  return `<article class="message" data-ts="${escapeHtml(m.ts)}"><div class="meta"><strong>rollback-bot</strong><span class="app-badge">APP</span> ${time(m.ts)}</div>${messageBody(m)}${replies}</article>`;
}

function fileHtml(f) {
  const href = `/files/${encodeURIComponent(f.id)}`;
  if (f.name?.endsWith('.png'))
    return `<div class="file"><div>${escapeHtml(f.title ?? f.name)}</div><img src="${href}" alt="${escapeHtml(f.title ?? f.name)}"></div>`;
  return `<div class="file">📄 <a href="${href}" target="_blank">${escapeHtml(f.name ?? f.id)}</a></div>`;
}

function render() {
  const data = state.data;
  if (!data) return;
  const started = performance.now();
  const html = [];
  for (const m of data.messages) html.push(messageHtml(m));
  for (const e of data.ephemerals.filter((x) => x.user === state.user))
    html.push(
      `<article class="message ephemeral"><div class="only-you">Only visible to you</div>${messageBody(e)}</article>`,
    );
  const thread = data.messages.find((m) => m.ts === state.openThread);
  const threadHtml = thread
    ? [
        messageHtml(thread, { thread: true }),
        ...thread.replies.map((r) => messageHtml(r, { thread: true })),
        ...thread.files.map(fileHtml),
      ].join('')
    : '';
  const demo = data.demo;
  const rate = `${(demo.errorRate * 100).toFixed(1)}%`;
  const demoHtml = `checkout runs <strong>${escapeHtml(demo.version)}</strong><br>errors <span class="${demo.errorRate > 0.02 ? 'bad' : 'good'}">${rate}</span> over 10 s<br>orders.order_metadata ${demo.metadataDefault ? 'has a default' : 'NOT NULL, no default'}`;
  const key = JSON.stringify([html, threadHtml, demoHtml, state.user]);
  if (key === state.rendered) return;
  state.rendered = key;
  const list = $('messages');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  list.innerHTML = html.join('');
  if (atBottom) list.scrollTop = list.scrollHeight;
  $('thread').hidden = !thread;
  $('thread-messages').innerHTML = threadHtml;
  $('demo').innerHTML = demoHtml;
  // How long turning the Block Kit into the page took (read by the sandbox's measurements).
  document.body.dataset.renderMs = (performance.now() - started).toFixed(1);
}

async function refresh() {
  try {
    const res = await fetch('/api/state');
    if (res.ok) {
      state.data = await res.json();
      if (!state.user) setUsers(state.data.users);
      render();
    }
  } finally {
    setTimeout(refresh, 500);
  }
}

function setUsers(users) {
  state.user = users[0].id;
  $('as-user').innerHTML = users
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)} (${escapeHtml(u.role)})</option>`)
    .join('');
  $('user-role').textContent = users[0].role;
}

function localNote(text) {
  state.data?.ephemerals.push({ user: state.user, text, at: Date.now() });
  state.rendered = '';
  render();
}

async function send(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok)
    localNote(`:warning: ${answer.error ?? `The bot answered HTTP ${answer.status ?? res.status}`}`);
  else if (answer.text) {
    // Bolt acks a slash command with its immediate, ephemeral answer when there is one.
    try {
      const ack = JSON.parse(answer.text);
      if (ack.text || ack.blocks) localNote(ack.text ?? '');
    } catch {
      localNote(answer.text);
    }
  }
}

function confirmFirst(confirm) {
  if (!confirm) return Promise.resolve(true);
  const dialog = $('confirm');
  $('confirm-title').innerHTML = textObject(confirm.title);
  $('confirm-text').innerHTML = textObject(confirm.text);
  $('confirm-ok').innerHTML = textObject(confirm.confirm) || 'OK';
  $('confirm-deny').innerHTML = textObject(confirm.deny) || 'Cancel';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }),
  );
}

$('composer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('composer');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  await send('/api/command', { user: state.user, text });
});

$('as-user').addEventListener('change', (event) => {
  state.user = event.target.value;
  $('user-role').textContent = state.data.users.find((u) => u.id === state.user)?.role ?? '';
  render();
});

document.body.addEventListener('click', async (event) => {
  const target = event.target.closest('button');
  if (!target) return;
  if (target.dataset.thread) {
    state.openThread = target.dataset.thread;
    render();
    return;
  }
  if (target.id === 'close-thread') {
    state.openThread = undefined;
    render();
    return;
  }
  if (!target.dataset.actionId) return;
  const confirm = target.dataset.confirm ? JSON.parse(target.dataset.confirm) : undefined;
  if (!(await confirmFirst(confirm))) return;
  const card = state.data.messages.find((m) => m.ts === target.dataset.ts);
  if (card && !state.openThread) state.openThread = card.ts;
  await send('/api/action', {
    user: state.user,
    actionId: target.dataset.actionId,
    value: target.dataset.value,
    messageTs: target.dataset.ts,
  });
});

refresh();
