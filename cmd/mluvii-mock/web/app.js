// The chat page of mluvii-mock: the guest's side of a conversation with the
// bot, and the raw activity log. Everything the bot sends arrives on the
// server-sent event stream GET /events?session=ID; the guest acts through the
// JSON API under /chat/. Untrusted text is only ever set with textContent;
// the one exception, a bot message's HTML, is sanitized by the server
// (only <strong>, <em> and <a href> survive).
'use strict';

const $ = (id) => document.getElementById(id);

const page = {
  info: null,        // GET /chat/info
  session: 0,        // current session id
  events: null,      // EventSource
  entries: new Map(), // seq → entry, for the log
  state: null,       // the session's last state
  ignoringInput: false, // the bot's last Message said inputHint ignoringInput
  typingTimer: 0,
  endedShown: false,
  routingShown: false,
  prompts: new Map(), // prompt id (the request's seq) → its bubble
  warned: new Set(), // warnings shown in the chat
};

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function safeURL(u) {
  try {
    const url = new URL(String(u), location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch (e) {
    return '';
  }
}

// api POSTs a guest action; errors show in the chat. The answer's state is
// not applied: it may be older than a state event already on the stream,
// which is the one source of the session's state after the start.
async function api(path, body) {
  let res;
  let data = {};
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });
    data = await res.json();
  } catch (e) {
    note('The mock did not answer: ' + e, 'error');
    return {ok: false, status: 0, data};
  }
  if (!res.ok) {
    const what = res.status === 502 ? 'The bot did not take it: ' : 'mluvii-mock refused: ';
    note(what + (data.error || res.statusText), 'error');
  }
  return {ok: res.ok, status: res.status, data};
}

// ---- chat rendering ----

function scrollChat() {
  const m = $('messages');
  m.scrollTop = m.scrollHeight;
}

function bubble(who, className) {
  const row = el('div', 'msg ' + who + (className ? ' ' + className : ''));
  $('messages').appendChild(row);
  return row;
}

function note(text, kind) {
  const n = bubble('system', kind || '');
  n.textContent = text;
  scrollChat();
  return n;
}

function guestSaid(text) {
  bubble('guest').textContent = text;
  scrollChat();
}

// fileLink links a file URL (http(s) only), or shows the text alone.
function fileLink(url, text) {
  const u = safeURL(url);
  if (!u) return el('span', '', text);
  const link = el('a', '', text);
  link.href = u;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  return link;
}

// guestFile shows a file the guest sent; nameFiles names it once the
// session's state lists the upload.
function guestFile(label, url) {
  const b = bubble('guest', 'file');
  const link = fileLink(url, label + (url || 'a file'));
  link.dataset.label = label;
  link.dataset.url = url || '';
  b.appendChild(link);
  nameFiles(page.state);
  scrollChat();
}

function nameFiles(st) {
  for (const link of document.querySelectorAll('#messages .msg.guest.file [data-url]')) {
    const f = st && (st.uploads || []).find((x) => x.url === link.dataset.url);
    if (!f) continue;
    link.textContent = link.dataset.label + f.name + ' (' + f.size + ' bytes)';
    delete link.dataset.url;
  }
}

// ---- prompts: the bot's requests that wait for the guest ----

// promptBubble shows a prompt with its controls; it stays active while the
// session's state lists the prompt as pending.
function promptBubble(id, kind, title) {
  const box = el('div', 'msg system prompt-box');
  box.dataset.prompt = String(id);
  box.dataset.kind = kind;
  box.appendChild(el('div', 'prompt-title', title));
  $('messages').appendChild(box);
  page.prompts.set(id, box);
  scrollChat();
  return box;
}

function promptButton(box, text, onClick) {
  const b = el('button', 'prompt-button', text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  box.appendChild(b);
  return b;
}

function uploadPrompt(id) {
  const box = promptBubble(id, 'upload', 'The bot opened the upload dialog: choose a file, or close the dialog.');
  const input = el('input');
  input.type = 'file';
  input.className = 'prompt-file';
  input.addEventListener('change', async () => {
    const f = input.files[0];
    input.value = '';
    if (f) await sendFile('/chat/upload', f, true);
  });
  box.appendChild(input);
  promptButton(box, 'Choose file', () => input.click());
  promptButton(box, 'Cancel', () => api('/chat/cancel', {sessionId: page.session, kind: 'upload'}));
}

function locationPrompt(id, text) {
  const box = promptBubble(id, 'location', 'The bot asks for your location' + (text ? ': ' + text : '.'));
  const lat = el('input', 'prompt-lat');
  lat.value = '50.0875726';
  lat.size = 10;
  lat.setAttribute('aria-label', 'latitude');
  const lon = el('input', 'prompt-lon');
  lon.value = '14.4189987';
  lon.size = 10;
  lon.setAttribute('aria-label', 'longitude');
  box.appendChild(lat);
  box.appendChild(lon);
  promptButton(box, 'Share location', () => sendLocation(Number(lat.value), Number(lon.value)));
  promptButton(box, 'Decline', () => api('/chat/cancel', {sessionId: page.session, kind: 'location'}));
}

// refreshPrompts closes the prompts the state no longer lists as pending.
function refreshPrompts(st) {
  const pending = new Set((st.prompts || []).map((p) => p.id));
  for (const [id, box] of page.prompts) {
    if (pending.has(id)) continue;
    box.classList.add('answered');
    for (const x of box.querySelectorAll('button, input')) x.disabled = true;
    page.prompts.delete(id);
  }
}

// routingNote says where mluvii's routing took the session.
function routingNote(r) {
  const group = r.groupName ? ' (' + r.groupName + ')' : '';
  switch (r.outcome) {
    case 'operator':
      return (r.operatorName || 'An operator') + group + ' took over the conversation.';
    case 'queued':
      return 'You are waiting in the queue' + (r.groupName ? ' of ' + r.groupName : '') + ' for an operator.';
    default:
      return 'No operator can take the conversation now: mluvii shows the offline form.';
  }
}

function botHTML(html) {
  const b = bubble('bot');
  b.innerHTML = html; // sanitized by the server: <strong>, <em>, <a href> only
  scrollChat();
  return b;
}

function valueText(v, fallback) {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// act runs a card button or suggested action: imBack (and anything but
// openUrl) sends its value as guest text, as mluvii does.
function act(button) {
  const type = String(button.type || 'imBack').toLowerCase();
  if (type === 'openurl') {
    const u = safeURL(button.value);
    if (u) window.open(u, '_blank', 'noopener');
    return;
  }
  click(valueText(button.value, button.title || ''));
}

function actionButton(b, className) {
  const btn = el('button', className, b.title || valueText(b.value, '?'));
  btn.type = 'button';
  btn.title = (b.type || 'imBack') + ': ' + valueText(b.value, b.title || '');
  btn.addEventListener('click', () => act(b));
  return btn;
}

function renderCard(contentType, card) {
  card = card || {};
  const thumb = String(contentType || '').includes('thumbnail');
  const c = el('div', 'card ' + (thumb ? 'thumbnail' : 'hero'));
  const img = Array.isArray(card.images) && card.images[0] && safeURL(card.images[0].url);
  if (img) {
    const i = el('img');
    i.src = img;
    i.alt = '';
    c.appendChild(i);
  }
  const body = el('div', 'card-body');
  if (card.title) body.appendChild(el('div', 'card-title', card.title));
  if (card.subtitle) body.appendChild(el('div', 'card-subtitle', card.subtitle));
  if (card.text) body.appendChild(el('div', 'card-text', card.text));
  if (Array.isArray(card.buttons) && card.buttons.length) {
    const bs = el('div', 'card-buttons');
    for (const b of card.buttons) bs.appendChild(actionButton(b || {}, 'card-button'));
    body.appendChild(bs);
  }
  c.appendChild(body);
  if (!String(contentType || '').startsWith('application/vnd.microsoft.card.')) {
    c.appendChild(el('div', 'muted', 'content type ' + contentType));
  }
  return c;
}

function renderCards(items, layout) {
  const box = el('div', 'cards ' + (String(layout || '').toLowerCase() === 'carousel' ? 'carousel' : 'list'));
  for (const it of items) box.appendChild(renderCard(it.contentType, it.content));
  const row = bubble('bot', 'cards-row');
  row.appendChild(box);
  scrollChat();
}

function showSuggested(actions) {
  const s = $('suggested');
  s.replaceChildren();
  for (const a of actions || []) {
    const btn = actionButton(a || {}, 'suggested-action');
    btn.addEventListener('click', () => s.replaceChildren());
    s.appendChild(btn);
  }
}

function showTyping(on) {
  clearTimeout(page.typingTimer);
  $('typing').hidden = !on;
  if (on) page.typingTimer = setTimeout(() => { $('typing').hidden = true; }, 20000);
}

function heroCardForm(a) {
  const info = (page.info.heroCards || []).find((c) => c.id === a.heroCardId) || {};
  const initial = a.initialParams || {};
  const fields = [...(info.fields || [])];
  for (const k of Object.keys(initial)) if (!fields.includes(k)) fields.push(k);
  if (!fields.length) fields.push('value');
  const form = el('form', 'card herocard');
  form.appendChild(el('div', 'card-title', info.name || ('Hero card ' + a.heroCardId)));
  form.appendChild(el('div', 'card-subtitle', 'mluvii hero card #' + a.heroCardId + (a.selectedLanguage ? ' (' + a.selectedLanguage + ')' : '')));
  for (const f of fields) {
    const label = el('label', 'field', f + ' ');
    const input = el('input');
    input.name = f;
    input.value = initial[f] || '';
    label.appendChild(input);
    form.appendChild(label);
  }
  const submit = el('button', 'card-button', 'Submit');
  submit.type = 'submit';
  form.appendChild(submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const params = {};
    for (const input of form.querySelectorAll('input')) params[input.name] = input.value;
    const r = await api('/chat/submit', {sessionId: page.session, params});
    if (r.ok) for (const x of form.querySelectorAll('input, button')) x.disabled = true;
  });
  bubble('bot', 'cards-row').appendChild(form);
  scrollChat();
}

function describeParams(p) {
  return Object.entries(p || {}).map(([k, v]) => k + '=' + v).join(', ');
}

// fromBot renders an activity the bot sent, once mluvii answered it.
function fromBot(e) {
  if (e.status !== 200) {
    const msg = 'mluvii answered ' + e.status + ' to ' + (e.name || 'a body without an activity') +
      (e.problems && e.problems.length ? ': ' + e.problems.join('; ') : '');
    note(msg, 'error rejected');
    return;
  }
  for (const w of e.warnings || []) { // each once: the log has them all
    if (page.warned.has(w)) continue;
    page.warned.add(w);
    note('⚠ ' + e.name + ' passed with a warning: ' + w, 'warning');
  }
  const a = e.activity || {};
  switch (e.name) {
    case 'Text':
      showTyping(false);
      showSuggested([]);
      botHTML(e.html || '');
      page.ignoringInput = false;
      break;
    case 'Message':
      showTyping(false);
      if (e.html) botHTML(e.html);
      if (Array.isArray(a.attachments) && a.attachments.length) renderCards(a.attachments, a.attachmentLayout);
      showSuggested(a.suggestedActions && a.suggestedActions.actions);
      page.ignoringInput = a.inputHint === 'ignoringInput';
      break;
    case 'RichCardList':
      showTyping(false);
      showSuggested([]);
      renderCards(Array.isArray(a.items) ? a.items : [], a.layout);
      break;
    case 'Typing':
      showTyping(!!a.show);
      break;
    case 'SendHeroCard':
      heroCardForm(a);
      break;
    case 'ShareFile': {
      const b = bubble('bot', 'file');
      const media = a.name && (page.info.mediaObjects || []).find((m) => m.name === a.name);
      b.appendChild(fileLink(media ? media.url : a.url, 'Shared file: ' + (a.name || a.url || 'a file')));
      scrollChat();
      break;
    }
    case 'ChatbotOpenFileUploadPrompt':
      uploadPrompt(e.seq);
      break;
    case 'RequestLocation':
      locationPrompt(e.seq, a.text);
      break;
    case 'EnableGuestInput': note('The bot enabled the text input.'); break;
    case 'DisableGuestInput': note('The bot disabled the text input.'); break;
    case 'EnableGuestUpload': note('The bot enabled file uploads (the paper clip).'); break;
    case 'DisableGuestUpload': note('The bot disabled file uploads.'); break;
    case 'SetCallParams': note('Call parameters set: ' + describeParams(a.callParams)); break;
    case 'SetTag': note('Tag set: ' + a.name); break;
    case 'UnsetTag': note('Tag removed: ' + a.name); break;
    case 'SendGuestOfflineEmail': note('✉ Offline e-mail to the guest: ' + (a.subject || '')); break;
    case 'HandOff': note('The bot handed the conversation off to mluvii\'s routing; its part is over.'); break;
    case 'Forward': note('The bot forwarded the conversation (' + describeParams(a) + '); its part is over.'); break;
    case 'EndConversation': note('The bot ended the conversation.'); break;
    default: break; // requests such as GetCallParams show in the log only
  }
  updateInput();
}

// toBot renders what mluvii delivered to the bot for the guest.
function toBot(e) {
  const a = e.activity || {};
  switch (e.name) {
    case 'ConversationStarted':
      note('Conversation ' + e.sessionId + ' started' + (page.state ? ' on ' + page.state.channel : '') + '.');
      break;
    case 'Text': guestSaid(a.text || ''); break;
    case 'HeroCardSubmission': guestSaid('Submitted the card: ' + describeParams(a.params)); break;
    case 'GuestFileUpload': guestFile('Sent a file: ', a.fileUrl); break;
    case 'ChatbotOpenFileUploadPromptResponse':
      if (a.canceledByGuest || !a.fileUrl) guestSaid('Closed the upload dialog');
      else guestFile('Uploaded in the dialog: ', a.fileUrl);
      break;
    case 'GuestLocation': guestSaid('Location: ' + a.latitude + ', ' + a.longitude); break;
    case 'ConversationEnded': note('The guest ended the conversation.'); break;
    default: break; // responses show in the log only
  }
  deliveryOutcome(e);
}

function deliveryOutcome(e) {
  if (e.pending || !e.error) return;
  note((e.name ? 'Delivering ' + e.name + ' to the bot failed: ' : '') + e.error +
    (e.note ? ' [' + e.note + ']' : ''), 'error');
}

// ---- activity log ----

function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch (e) {
    return body;
  }
}

function logItem(e) {
  const li = el('li', 'log-entry ' + e.dir + (e.pending ? ' pending' : '') +
    ((e.status && e.status !== 200) || e.error ? ' failed' : '') + (e.warnings ? ' warned' : ''));
  li.dataset.seq = e.seq;
  const head = el('div', 'log-head');
  head.appendChild(el('span', 'seq', '#' + e.seq));
  head.appendChild(el('span', 'dir', e.dir === 'fromBot' ? '← bot' : '→ bot'));
  head.appendChild(el('span', 'name', e.name || '(no activity)'));
  head.appendChild(el('span', 'status', e.pending ? '…' : (e.status || '')));
  head.appendChild(el('span', 'time', (e.time || '').slice(11, 23)));
  li.appendChild(head);
  for (const p of e.problems || []) li.appendChild(el('div', 'problem', p));
  for (const w of e.warnings || []) li.appendChild(el('div', 'warning', w));
  if (e.error) li.appendChild(el('div', 'problem', e.error));
  if (e.note) li.appendChild(el('div', 'note', e.note));
  if (e.body) {
    const d = el('details');
    d.appendChild(el('summary', '', 'body'));
    d.appendChild(el('pre', '', pretty(e.body)));
    li.appendChild(d);
  }
  return li;
}

function logEntry(e) {
  const log = $('log');
  const item = logItem(e);
  const old = log.querySelector('li[data-seq="' + e.seq + '"]');
  if (old) {
    const open = old.querySelector('details') && old.querySelector('details').open;
    if (open && item.querySelector('details')) item.querySelector('details').open = true;
    old.replaceWith(item);
  } else {
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
}

function onEntry(e) {
  const seen = page.entries.has(e.seq);
  page.entries.set(e.seq, e);
  logEntry(e);
  if (seen) { // the outcome of a pending delivery
    if (e.dir === 'toBot') deliveryOutcome(e);
    return;
  }
  if (e.dir === 'fromBot') fromBot(e);
  else if (e.dir === 'toBot') toBot(e);
}

// ---- session state and input ----

function applyState(st) {
  if (!st || st.sessionId !== page.session) return;
  page.state = st;
  $('state').textContent = JSON.stringify(st, null, 2);
  $('session-label').textContent = 'session ' + st.sessionId + ' · ' + st.channel + ' · ' + st.language +
    (st.ended ? ' · ended (' + st.endedBy + ')' : '');
  refreshPrompts(st);
  nameFiles(st);
  if (st.routing && !page.routingShown) {
    page.routingShown = true;
    note(routingNote(st.routing), 'routing ' + st.routing.outcome);
  }
  if (st.ended && !page.endedShown) {
    page.endedShown = true;
    showSuggested([]);
    showTyping(false);
    note('The conversation has ended (' + st.endedBy + ').', 'ended');
  }
  updateInput();
}

function updateInput() {
  const st = page.state;
  const open = !!st && !st.ended;
  const typing = open && st.guestInput && !page.ignoringInput;
  $('text').disabled = !typing;
  $('send').disabled = !typing;
  $('text').placeholder = !st ? 'Start a conversation first' : st.ended ? 'The conversation has ended' :
    !st.guestInput ? 'The bot disabled the input' : page.ignoringInput ? 'The bot is ignoring input' : 'Type a message';
  $('attach').hidden = !(open && st.guestUpload);
  $('locate').disabled = !open;
  $('end').disabled = !open;
}

// ---- guest actions ----

async function start(ev) {
  ev.preventDefault();
  if (page.events) page.events.close();
  const r = await api('/chat/start', {channel: $('channel').value, language: $('language').value.trim()});
  if (!r.data.sessionId) return;
  page.session = r.data.sessionId;
  const save = $('save');
  save.href = '/chat/recording?session=' + encodeURIComponent(page.session);
  save.download = 'mluvii-session-' + page.session + '.jsonl';
  save.hidden = false;
  page.entries.clear();
  page.endedShown = false;
  page.routingShown = false;
  page.prompts.clear();
  page.ignoringInput = false;
  page.warned.clear();
  $('messages').replaceChildren();
  $('log').replaceChildren();
  showSuggested([]);
  showTyping(false);
  applyState(r.data.state);
  if (r.status === 502) note('The bot did not take ConversationStarted: ' + r.data.error, 'error');
  const es = new EventSource('/events?session=' + encodeURIComponent(page.session));
  es.addEventListener('entry', (m) => onEntry(JSON.parse(m.data)));
  es.addEventListener('state', (m) => applyState(JSON.parse(m.data)));
  page.events = es;
  loadInfo(); // the callback URL may have changed
  $('text').focus();
}

async function send(ev) {
  ev.preventDefault();
  const input = $('text');
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  showSuggested([]);
  await api('/chat/text', {sessionId: page.session, text});
  input.focus();
}

function click(value) {
  return api('/chat/click', {sessionId: page.session, value});
}

async function upload() {
  const f = $('file').files[0];
  $('file').value = '';
  if (f) await sendFile('/chat/upload', f, false);
}

// sendFile uploads a file's bytes (base64 in the JSON body): with the paper
// clip, or in the bot's upload dialog (inPrompt).
async function sendFile(path, f, inPrompt) {
  const limit = page.info.maxFileBytes || 0;
  if (limit && f.size > limit) {
    note('The file has ' + f.size + ' bytes; mluvii-mock takes at most ' + limit + '.', 'error');
    return;
  }
  const data = await new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  }).catch((err) => {
    note('Could not read the file: ' + err, 'error');
    return null;
  });
  if (data === null) return;
  await api(path, {sessionId: page.session, fileName: f.name, contentType: f.type || 'application/octet-stream', data, prompt: inPrompt});
}

function sendLocation(lat, lon) {
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
    note('Not a location: ' + lat + ', ' + lon, 'error');
    return Promise.resolve();
  }
  return api('/chat/location', {sessionId: page.session, latitude: lat, longitude: lon});
}

async function locate() {
  const answer = prompt('Location to send as "latitude, longitude"', '50.0875726, 14.4189987');
  if (!answer) return;
  const [lat, lon] = answer.split(',').map((x) => Number(x.trim()));
  await sendLocation(lat, lon);
}

async function end() {
  const r = await api('/chat/end', {sessionId: page.session});
  // An end is final, so this state cannot be stale; the stream shows it too.
  if (r.data.state && r.data.state.ended) applyState(r.data.state);
}

// ---- configuration panel ----

function showRestrictions() {
  const name = $('channel').value;
  $('restrictions-channel').textContent = name;
  const box = $('restrictions');
  box.replaceChildren();
  const ch = (page.info.channels || []).find((c) => c.name === name);
  const rs = (ch && ch.restrictions) || [];
  const groups = [['no', 'Not supported (mluvii answers 400):'], ['unverified', 'Unverified (accepted with a warning):']];
  for (const [support, title] of groups) {
    const list = rs.filter((r) => r.support === support);
    if (!list.length) continue;
    box.appendChild(el('div', 'restriction-title', title));
    const ul = el('ul', 'restriction-list ' + support);
    for (const r of list) { // each its own item: an activity, or a field of one (Message.attachments) or of a type
      const li = el('li', r.field ? 'restriction field' : 'restriction', r.field ? (r.activity || r.type) + '.' + r.field : r.activity);
      li.title = (r.field ? 'when the field is set; ' : '') + (r.source || '');
      ul.appendChild(li);
    }
    box.appendChild(ul);
  }
  if (!rs.length) box.appendChild(el('div', 'muted', 'none: the bot may send every activity'));
}

async function loadInfo() {
  const res = await fetch('/chat/info');
  page.info = await res.json();
  const i = page.info;
  const dl = $('config');
  dl.replaceChildren();
  const rows = [['base URL', i.baseUrl], ['chatbot id', i.chatbotId], ['client id', i.clientId],
    ['client secret', i.clientSecret], ['callback URL', i.callbackUrl || '(not set: --callback or PUT callbackUrl)']];
  for (const [k, v] of rows) {
    dl.appendChild(el('dt', '', k));
    dl.appendChild(el('dd', '', v));
  }
  const sel = $('channel');
  if (!sel.options.length) {
    for (const c of i.channels) {
      const o = el('option', '', c.name);
      o.value = c.name;
      sel.appendChild(o);
    }
    sel.value = i.defaultChannel;
    showRestrictions();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('start-form').addEventListener('submit', start);
  $('composer').addEventListener('submit', send);
  $('end').addEventListener('click', end);
  $('attach').addEventListener('click', () => $('file').click());
  $('file').addEventListener('change', upload);
  $('locate').addEventListener('click', locate);
  $('channel').addEventListener('change', showRestrictions);
  loadInfo().then(() => document.body.classList.add('ready'));
});
