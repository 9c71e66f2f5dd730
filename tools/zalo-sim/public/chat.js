// Chat page of the Zalo stand-in: plays one Zalo user at a time against the bot.
// Everything goes through the stand-in's /sim API; live updates arrive as Server-Sent Events.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const els = {
    conn: $('conn-status'),
    userSelect: $('user-select'),
    addUser: $('add-user'),
    addUserForm: $('add-user-form'),
    newUserId: $('new-user-id'),
    newUserName: $('new-user-name'),
    cancelAddUser: $('cancel-add-user'),
    follow: $('follow-btn'),
    userStatus: $('user-status'),
    alert: $('alert'),
    messages: $('messages'),
    composer: $('composer'),
    text: $('text-input'),
    send: $('send-btn'),
    imageInput: $('image-input'),
    fileInput: $('file-input'),
    panel: $('panel'),
    togglePanel: $('toggle-panel'),
    closePanel: $('close-panel'),
    tokenState: $('token-state'),
    expireToken: $('expire-token'),
    faultForm: $('fault-form'),
    faultPath: $('fault-path'),
    faultKind: $('fault-kind'),
    faultValue: $('fault-value'),
    faultTimes: $('fault-times'),
    faultList: $('fault-list'),
    clearFaults: $('clear-faults'),
    autoSeen: $('auto-seen'),
    sendSeen: $('send-seen'),
    webhookUrl: $('webhook-url'),
    resetAll: $('reset-all'),
    toast: $('toast'),
  };

  const DAY_MS = 24 * 60 * 60 * 1000;
  const EVENT_LABELS = {
    user_send_text: 'tin nhắn',
    user_send_image: 'ảnh',
    user_send_file: 'tệp',
    user_submit_info: 'thông tin',
    follow: 'quan tâm',
    unfollow: 'bỏ quan tâm',
    user_seen_message: '“đã xem”',
    user_received_message: '“đã nhận”',
    oa_send_text: 'bản sao tin OA (oa_send_text)',
    oa_send_image: 'bản sao ảnh OA (oa_send_image)',
    oa_send_file: 'bản sao tệp OA (oa_send_file)',
    oa_send_list: 'bản sao thẻ OA (oa_send_list)',
  };

  const state = {
    users: new Map(),
    currentUserId: localStorage.getItem('zalo-sim.user') || 'sim-user-producer',
    items: new Map(),
    sim: null,
    faults: [],
    seenQueue: new Set(),
    seenTimer: null,
  };

  els.autoSeen.checked = localStorage.getItem('zalo-sim.autoSeen') !== 'false';

  // ---------- helpers ----------

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || data.message || `HTTP ${response.status}`);
    return data;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  let toastTimer = null;
  function toast(message) {
    els.toast.textContent = message;
    els.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { els.toast.hidden = true; }, 4000);
  }

  function fail(error) {
    toast(`Lỗi: ${error instanceof Error ? error.message : String(error)}`);
  }

  function timeOf(ms) {
    return new Date(ms).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' });
  }

  function dateTimeOf(ms) {
    return new Date(ms).toLocaleString('vi-VN', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function currentUser() {
    return state.users.get(state.currentUserId);
  }

  function simNow() {
    return Date.now();
  }

  // ---------- users ----------

  function renderUserSelect() {
    els.userSelect.replaceChildren();
    for (const user of state.users.values()) {
      const option = el('option', '', `${user.displayName} · ${user.id}`);
      option.value = user.id;
      els.userSelect.append(option);
    }
    els.userSelect.value = state.currentUserId;
  }

  function renderUserStatus() {
    const user = currentUser();
    if (!user) {
      els.userStatus.textContent = '';
      els.follow.textContent = 'Quan tâm';
      return;
    }
    els.follow.textContent = user.following ? '✓ Đang quan tâm' : 'Quan tâm OA';
    els.follow.classList.toggle('following', user.following);
    els.follow.title = user.following ? 'Bấm để bỏ quan tâm OA' : 'Bấm để quan tâm OA';

    const parts = [user.following ? 'Đang quan tâm OA' : 'Chưa quan tâm OA (bot gửi sẽ bị -213)'];
    let warn = !user.following;
    if (user.lastInteractionAt === null) {
      parts.push('chưa từng tương tác (tin tư vấn sẽ bị -230)');
      warn = true;
    } else {
      const age = simNow() - user.lastInteractionAt;
      const when = `tương tác lần cuối ${dateTimeOf(user.lastInteractionAt)}`;
      if (age <= 2 * DAY_MS) parts.push(`${when} · trong 48 giờ: miễn phí`);
      else if (age <= 7 * DAY_MS) parts.push(`${when} · 48 giờ–7 ngày: tính phí`);
      else {
        parts.push(`${when} · quá 7 ngày (tin tư vấn sẽ bị -230)`);
        warn = true;
      }
    }
    els.userStatus.textContent = parts.join(' · ');
    els.userStatus.classList.toggle('warn', warn);
  }

  async function loadUsers() {
    const { users } = await api('GET', '/sim/users');
    state.users = new Map(users.map((u) => [u.id, u]));
    if (!state.users.has(state.currentUserId)) {
      state.currentUserId = users[0] ? users[0].id : 'sim-user-producer';
    }
    renderUserSelect();
    renderUserStatus();
  }

  async function selectUser(userId) {
    state.currentUserId = userId;
    localStorage.setItem('zalo-sim.user', userId);
    els.userSelect.value = userId;
    renderUserStatus();
    await loadTranscript();
  }

  // ---------- messages ----------

  async function loadTranscript() {
    const { items } = await api('GET', `/sim/transcript?userId=${encodeURIComponent(state.currentUserId)}`);
    state.items = new Map(items.map((item) => [item.seq, item]));
    els.messages.replaceChildren();
    if (items.length === 0) showEmpty();
    for (const item of items) els.messages.append(renderItem(item));
    scrollToEnd();
  }

  function showEmpty() {
    els.messages.append(el('p', 'empty', 'Chưa có tin nhắn. Gõ “Xin chào” để bắt đầu trò chuyện với bot.'));
  }

  function scrollToEnd() {
    els.messages.scrollTop = els.messages.scrollHeight;
  }

  function upsertItem(item) {
    if (item.userId !== state.currentUserId) return;
    const isNew = !state.items.has(item.seq);
    state.items.set(item.seq, item);
    const node = renderItem(item);
    const existing = els.messages.querySelector(`[data-seq="${item.seq}"]`);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const empty = els.messages.querySelector('.empty');
      if (empty) empty.remove();
      els.messages.append(node);
      scrollToEnd();
    }
    if (isNew && item.direction === 'oa' && item.messageId && item.channel !== 'zns') queueSeen(item.messageId);
  }

  function deliveryBadge(item) {
    const delivery = item.delivery;
    if (!delivery) return el('div', 'delivery', 'Đang gửi tới bot…');
    if (delivery.status === 200) return el('div', 'delivery ok', '✓ bot đã nhận (HTTP 200)');
    const text = delivery.status === null
      ? `⚠ Không gửi được webhook tới bot: ${delivery.error || 'lỗi mạng'}`
      : `⚠ Bot trả lời webhook HTTP ${delivery.status}`;
    return el('div', 'delivery bad', text);
  }

  function renderButtons(item) {
    const box = el('div', 'bot-buttons');
    for (const button of item.buttons) {
      const node = el('button', 'bot-btn', button.title);
      node.type = 'button';
      if (button.type === 'oa.open.url') node.append(el('span', 'kind', '↗ mở liên kết'));
      if (button.type === 'oa.open.phone') node.append(el('span', 'kind', '☎ gọi điện'));
      if (button.type === 'oa.open.sms') node.append(el('span', 'kind', '✉ nhắn SMS'));
      node.addEventListener('click', () => tapButton(item, button));
      box.append(node);
    }
    return box;
  }

  async function tapButton(item, button) {
    const payload = button.payload || {};
    if (button.type === 'oa.open.url') {
      window.open(payload.url, '_blank', 'noopener');
      return;
    }
    if (button.type === 'oa.open.phone') {
      toast(`Gọi điện tới: ${payload.phone_code}`);
      return;
    }
    if (button.type === 'oa.open.sms') {
      toast(`Nhắn SMS tới ${payload.phone_code}: “${payload.content}”`);
      return;
    }
    try {
      await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/tap`, { title: button.title, messageId: item.messageId });
    } catch (error) {
      fail(error);
    }
  }

  function renderRequestInfo(item) {
    const card = el('div', 'card');
    const info = item.requestInfo;
    if (info.imageUrl) {
      const img = el('img');
      img.src = info.imageUrl;
      img.alt = '';
      card.append(img);
    }
    card.append(el('h4', '', info.title), el('p', '', info.subtitle));
    const user = currentUser();
    const known = (user && user.sharedInfo) || {};
    const form = el('form');
    const fields = [
      ['name', 'Họ và tên', known.name || (user ? user.displayName.replace(/\s*\(.*\)$/, '') : '')],
      ['phone', 'Số điện thoại', known.phone || (user && user.phone ? `0${user.phone.slice(2)}` : '')],
      ['address', 'Địa chỉ', known.address || ''],
      ['district', 'Quận/Huyện', known.district || ''],
      ['city', 'Tỉnh/Thành phố', known.city || ''],
    ];
    for (const [name, label, value] of fields) {
      const input = el('input');
      input.name = name;
      input.placeholder = label;
      input.setAttribute('aria-label', label);
      input.value = value;
      form.append(input);
    }
    const submit = el('button', 'small-btn primary', 'Chia sẻ thông tin');
    submit.type = 'submit';
    form.append(submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = Object.fromEntries(new FormData(form).entries());
      submit.disabled = true;
      try {
        await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/submit-info`, body);
        submit.textContent = 'Đã chia sẻ';
      } catch (error) {
        submit.disabled = false;
        fail(error);
      }
    });
    card.append(form);
    return card;
  }

  function renderTemplate(item) {
    const card = el('div', 'card');
    const t = item.template;
    const title = item.channel === 'zns'
      ? `Tin ZNS tới ${t.phone} · mẫu ${t.templateId}`
      : `Tin mẫu theo user_id · mẫu ${t.templateId}`;
    card.append(el('h4', '', title));
    if (t.trackingId) card.append(el('p', 'mono', `tracking_id: ${t.trackingId}`));
    const dl = el('dl', 'kv');
    for (const [key, value] of Object.entries(t.templateData || {})) {
      dl.append(el('dt', '', key), el('dd', '', typeof value === 'string' ? value : JSON.stringify(value)));
    }
    card.append(dl);
    return card;
  }

  function fileIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', 'ico');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M6 2.5h8l5 5V21a.5.5 0 0 1-.5.5h-12.5a.5.5 0 0 1-.5-.5V3a.5.5 0 0 1 .5-.5zM14 2.5V8h5M8.5 13h7M8.5 17h7');
    svg.append(path);
    return svg;
  }

  function renderFile(file) {
    const link = el('a', 'file-card');
    link.href = file.url;
    link.target = '_blank';
    link.rel = 'noopener';
    const text = el('div');
    text.append(el('div', 'name', file.name), el('div', 'meta', `${formatSize(file.size)} · bấm để tải`));
    link.append(fileIcon(), text);
    return link;
  }

  function renderItem(item) {
    if (item.kind === 'follow' || item.kind === 'unfollow') {
      const node = el('div', 'system', item.kind === 'follow' ? 'Bạn đã quan tâm OA' : 'Bạn đã bỏ quan tâm OA');
      node.dataset.seq = item.seq;
      const badge = deliveryBadge(item);
      if (item.delivery && item.delivery.status !== 200) node.classList.add('bad');
      node.append(document.createElement('br'), badge);
      return node;
    }

    const node = el('div', `msg ${item.direction}`);
    node.dataset.seq = item.seq;
    if (item.messageId) node.dataset.msgId = item.messageId;

    if (item.direction === 'oa' && item.channel === 'admin') node.append(el('span', 'label', 'Quản trị viên OA (gõ tay)'));
    if (item.direction === 'oa' && item.channel === 'template') node.append(el('span', 'label', 'Tin mẫu (template)'));
    if (item.direction === 'oa' && item.channel === 'zns') node.append(el('span', 'label', 'ZNS'));

    switch (item.kind) {
      case 'text':
        if (item.hidden) node.append(el('div', 'bubble hidden-query', `Đã bấm nút (ẩn với người dùng): ${item.text}`));
        else node.append(el('div', 'bubble', item.text));
        if (item.buttons && item.buttons.length) node.append(renderButtons(item));
        break;
      case 'image': {
        const img = el('img', 'photo');
        img.src = item.image.url;
        img.alt = item.text || 'Ảnh';
        node.append(img);
        if (item.text) node.append(el('div', 'bubble', item.text));
        break;
      }
      case 'file':
        node.append(renderFile(item.file));
        break;
      case 'request_user_info':
        if (item.text) node.append(el('div', 'bubble', item.text));
        node.append(renderRequestInfo(item));
        break;
      case 'submit_info': {
        const info = item.info || {};
        const lines = [info.name, info.phone, info.address, info.district, info.city].filter(Boolean);
        node.append(el('div', 'bubble', `Đã chia sẻ thông tin:\n${lines.join('\n')}`));
        break;
      }
      case 'template':
      case 'zns':
        node.append(renderTemplate(item));
        break;
      default:
        node.append(el('div', 'bubble', item.text || `(${item.kind})`));
    }

    const meta = [timeOf(item.at)];
    if (item.window === 'paid') meta.push('tin tính phí (48 giờ–7 ngày)');
    node.append(el('span', 'meta', meta.join(' · ')));
    if (item.direction === 'user') node.append(deliveryBadge(item));
    return node;
  }

  // ---------- deliveries that are not user messages (echoes, receipts) ----------

  function showDeliveryProblem(delivery) {
    const last = delivery.attempts[delivery.attempts.length - 1];
    if (!last) return;
    const what = EVENT_LABELS[delivery.eventName] || delivery.eventName;
    if (last.status === 200) {
      if (els.alert.dataset.eventName === delivery.eventName) els.alert.hidden = true;
      return;
    }
    const reason = last.status === null ? `không gửi được (${last.error || 'lỗi mạng'})` : `bot trả lời HTTP ${last.status}`;
    els.alert.textContent = `⚠ Webhook ${what}: ${reason}. Bấm để ẩn.`;
    els.alert.dataset.eventName = delivery.eventName;
    els.alert.hidden = false;
    if (delivery.automatic && delivery.userId === state.currentUserId) {
      els.messages.append(el('div', 'system bad', `⚠ Webhook ${what}: ${reason}`));
      scrollToEnd();
    }
  }

  // ---------- seen receipts ----------

  function queueSeen(messageId) {
    if (!els.autoSeen.checked || document.visibilityState !== 'visible') return;
    state.seenQueue.add(messageId);
    clearTimeout(state.seenTimer);
    state.seenTimer = setTimeout(flushSeen, 800);
  }

  async function flushSeen() {
    const msgIds = [...state.seenQueue];
    state.seenQueue.clear();
    if (msgIds.length === 0) return;
    try {
      await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/seen`, { msgIds });
    } catch (error) {
      fail(error);
    }
  }

  // ---------- switch panel ----------

  function renderSimState() {
    const sim = state.sim;
    if (!sim) return;
    const t = sim.tokens;
    const rows = [
      ['access_token', t.accessToken || '(không có: quyền đã bị thu hồi)'],
      ['hết hạn lúc', t.accessTokenExpiresAt ? dateTimeOf(t.accessTokenExpiresAt) : '—'],
      ['refresh_token', t.refreshToken || '—'],
      ['số lần làm mới', `${sim.refreshCount} thành công / ${sim.refreshAttempts} lần gọi`],
    ];
    if (t.grantRevoked) rows.push(['cảnh báo', 'refresh token bị dùng lại: quyền bị thu hồi, cần cấp lại']);
    els.tokenState.replaceChildren();
    for (const [k, v] of rows) els.tokenState.append(el('dt', '', k), el('dd', 'mono', v));
    els.webhookUrl.textContent = `Gửi webhook tới: ${sim.webhookUrl || '(chưa đặt)'}`;
  }

  async function loadFaults() {
    const { faults } = await api('GET', '/sim/faults');
    els.faultList.replaceChildren();
    for (const f of faults) {
      const what = f.error !== undefined ? `mã ${f.error}` : f.httpStatus !== undefined ? `HTTP ${f.httpStatus}` : '';
      const slow = f.delayMs !== undefined ? `chậm ${f.delayMs} ms` : '';
      els.faultList.append(el('li', '', `${f.path || 'mọi đường dẫn'}: ${[what, slow].filter(Boolean).join(', ')} × ${f.remaining}`));
    }
    if (faults.length === 0) els.faultList.append(el('li', 'meta', 'Không có lỗi nào đang chờ.'));
  }

  function openPanel(open) {
    els.panel.hidden = !open;
    els.togglePanel.setAttribute('aria-expanded', String(open));
    if (open) loadFaults().catch(fail);
  }

  // ---------- live feed ----------

  function connect() {
    const source = new EventSource('/sim/events');
    source.addEventListener('open', () => { els.conn.textContent = 'Đã kết nối · trả lời của bot hiện ngay'; });
    source.addEventListener('error', () => { els.conn.textContent = 'Mất kết nối tới giả lập, đang thử lại…'; });
    source.addEventListener('item', (e) => upsertItem(JSON.parse(e.data).item));
    source.addEventListener('user', (e) => {
      const user = JSON.parse(e.data).user;
      const known = state.users.has(user.id);
      state.users.set(user.id, user);
      if (!known) renderUserSelect();
      if (user.id === state.currentUserId) renderUserStatus();
    });
    source.addEventListener('delivery', (e) => showDeliveryProblem(JSON.parse(e.data).delivery));
    source.addEventListener('state', (e) => {
      state.sim = JSON.parse(e.data).state;
      renderSimState();
      if (!els.panel.hidden) loadFaults().catch(fail);
    });
    source.addEventListener('reset', () => {
      els.alert.hidden = true;
      loadUsers().then(loadTranscript).catch(fail);
    });
  }

  // ---------- wiring ----------

  els.userSelect.addEventListener('change', () => selectUser(els.userSelect.value).catch(fail));

  els.addUser.addEventListener('click', () => {
    els.addUserForm.hidden = !els.addUserForm.hidden;
    if (!els.addUserForm.hidden) els.newUserId.focus();
  });
  els.cancelAddUser.addEventListener('click', () => { els.addUserForm.hidden = true; });
  els.addUserForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = els.newUserId.value.trim();
    const name = els.newUserName.value.trim();
    if (!id) return;
    try {
      const user = await api('PATCH', `/sim/users/${encodeURIComponent(id)}`, name ? { displayName: name } : {});
      state.users.set(user.id, user);
      renderUserSelect();
      els.addUserForm.hidden = true;
      els.newUserId.value = '';
      els.newUserName.value = '';
      await selectUser(user.id);
    } catch (error) {
      fail(error);
    }
  });

  els.follow.addEventListener('click', async () => {
    const user = currentUser();
    const action = user && user.following ? 'unfollow' : 'follow';
    try {
      await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/${action}`, {});
    } catch (error) {
      fail(error);
    }
  });

  async function sendText() {
    const text = els.text.value;
    if (!text.trim()) return;
    els.text.value = '';
    autosize();
    try {
      await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/text`, { text });
    } catch (error) {
      els.text.value = text;
      fail(error);
    }
  }

  els.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    sendText();
  });
  els.text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  function autosize() {
    els.text.style.height = 'auto';
    els.text.style.height = `${Math.min(els.text.scrollHeight, 120)}px`;
  }
  els.text.addEventListener('input', autosize);

  async function sendUpload(input, kind) {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      await api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/${kind}`, form);
    } catch (error) {
      fail(error);
    }
  }
  els.imageInput.addEventListener('change', () => sendUpload(els.imageInput, 'image'));
  els.fileInput.addEventListener('change', () => sendUpload(els.fileInput, 'file'));

  els.alert.addEventListener('click', () => { els.alert.hidden = true; });
  els.togglePanel.addEventListener('click', () => openPanel(els.panel.hidden));
  els.closePanel.addEventListener('click', () => openPanel(false));

  els.expireToken.addEventListener('click', () =>
    api('POST', '/sim/tokens/expire').then(() => toast('Access token đã hết hạn: lần gọi tới sẽ nhận -220.')).catch(fail));

  els.faultKind.addEventListener('change', () => {
    els.faultValue.value = { error: '-32', http: '500', slow: '3000' }[els.faultKind.value];
  });
  els.faultForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = Number(els.faultValue.value);
    const body = { times: Number(els.faultTimes.value) || 1 };
    if (els.faultPath.value) body.path = els.faultPath.value;
    if (els.faultKind.value === 'error') body.error = value;
    if (els.faultKind.value === 'http') body.httpStatus = value;
    if (els.faultKind.value === 'slow') body.delayMs = value;
    try {
      await api('POST', '/sim/faults', body);
      await loadFaults();
    } catch (error) {
      fail(error);
    }
  });
  els.clearFaults.addEventListener('click', () => api('DELETE', '/sim/faults').then(loadFaults).catch(fail));

  for (const button of document.querySelectorAll('[data-interaction]')) {
    button.addEventListener('click', () => {
      const offsets = { now: 0, '3d': 3 * DAY_MS, '8d': 8 * DAY_MS };
      const choice = button.dataset.interaction;
      const lastInteractionAt = choice === 'never' ? null : simNow() - offsets[choice];
      api('PATCH', `/sim/users/${encodeURIComponent(state.currentUserId)}`, { lastInteractionAt }).catch(fail);
    });
  }

  els.autoSeen.addEventListener('change', () => localStorage.setItem('zalo-sim.autoSeen', String(els.autoSeen.checked)));
  els.sendSeen.addEventListener('click', () =>
    api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/seen`, {}).then(() => toast('Đã gửi “đã xem”.')).catch(fail));

  els.resetAll.addEventListener('click', () => {
    if (!window.confirm('Xoá mọi tin nhắn, lỗi giả lập và đưa token về ban đầu?')) return;
    api('POST', '/sim/reset').catch(fail);
  });

  // Coming back to the tab: mark whatever arrived meanwhile as seen (nothing to do is fine).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !els.autoSeen.checked) return;
    api('POST', `/sim/users/${encodeURIComponent(state.currentUserId)}/seen`, {}).catch(() => {});
  });

  loadUsers()
    .then(loadTranscript)
    .then(() => api('GET', '/sim/state'))
    .then((sim) => { state.sim = sim; renderSimState(); })
    .catch(fail);
  connect();
})();
