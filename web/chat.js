/*
 * Concierge resident web chat: the client side of the /ws/chat websocket.
 *
 * The server owns the conversation: its "welcome" carries the whole history
 * and replaces whatever is shown, so a reconnect or a reload can never leave
 * the page out of step. The only state kept here is what the server has not
 * acknowledged yet (messages "sending" or "failed"); those are laid under the
 * history again after every welcome and re-sent with their original id, so a
 * server that de-duplicates on id answers a repeat with a plain ack.
 *
 * Message text is only ever put into the page through textContent / text
 * nodes: it comes from residents and must never be parsed as HTML.
 */
(() => {
	'use strict';

	const STRINGS = {
		'zh-CN': {
			brand: '物业服务',
			connecting: '正在连接…',
			online: '在线',
			offline: '连接已断开',
			reconnecting: '连接中断，正在重新连接…',
			reconnectIn: (s) => `连接中断，${s} 秒后重试…`,
			log: '对话记录',
			composer: '消息',
			placeholder: '输入消息…',
			placeholderOffline: '输入消息，联网后自动发送…',
			send: '发送',
			photo: '发送照片',
			photoLabel: '[照片]',
			photoTooBig: '照片太大了（最大 5 MB），请压缩或截图后再发。',
			sending: '发送中…',
			queued: '等待网络…',
			delivered: '已送达',
			failed: '发送失败',
			retry: '重试',
			me: '我',
			bot: '物业服务',
			staff: '员工',
			greetTitle: (name) => (name ? `${name}，您好！` : '您好！'),
			greetText: '我是物业服务中心的在线助手，可以帮您报修、预约保洁、代办事务或咨询问题。请选择下方服务，或直接描述您的需求。',
			quick: '快捷服务',
			jump: '新消息',
			today: '今天',
			yesterday: '昨天',
			error: '出错了',
			chips: [
				['repair', '报修', '/repair'],
				['clean', '保洁', '/clean'],
				['errand', '代办', '/errand'],
				['ask', '咨询', '/ask'],
				['my', '我的工单', '/my'],
			],
		},
		en: {
			brand: 'Property Services',
			connecting: 'Connecting…',
			online: 'Online',
			offline: 'Disconnected',
			reconnecting: 'Connection lost, reconnecting…',
			reconnectIn: (s) => `Connection lost, retrying in ${s}s…`,
			log: 'Conversation',
			composer: 'Message',
			placeholder: 'Type a message…',
			placeholderOffline: 'Message (sent once back online)…',
			send: 'Send',
			photo: 'Send a photo',
			photoLabel: '[photo]',
			photoTooBig: 'That photo is too large (at most 5 MB); please send a smaller one.',
			sending: 'Sending…',
			queued: 'Waiting for network…',
			delivered: 'Delivered',
			failed: 'Not sent',
			retry: 'Retry',
			me: 'Me',
			bot: 'Property Services',
			staff: 'Staff',
			greetTitle: (name) => (name ? `Hello, ${name}!` : 'Hello!'),
			greetText: "I am the service centre's online assistant. I can take a repair request, book cleaning, run an errand for you or answer a question. Pick a service below or just describe what you need.",
			quick: 'Quick services',
			jump: 'New messages',
			today: 'Today',
			yesterday: 'Yesterday',
			error: 'Something went wrong',
			chips: [
				['repair', 'Repair', '/repair'],
				['clean', 'Cleaning', '/clean'],
				['errand', 'Errand', '/errand'],
				['ask', 'Ask', '/ask'],
				['my', 'My orders', '/my'],
			],
		},
	};

	const CHIP_ICONS = {
		repair: 'M14.7 6.3a4 4 0 0 0-5.4 5.1L4 16.7V20h3.3l5.3-5.3a4 4 0 0 0 5.1-5.4l-2.5 2.5-2.6-.6-.6-2.6z',
		clean: 'M12 3v7M8 10h8l1 4H7zM7 14l-1 7h12l-1-7M10 17v4M14 17v4',
		errand: 'M6 7h12l-1 13H7zM9 7a3 3 0 0 1 6 0',
		ask: 'M12 21a9 9 0 1 0-8.1-5.1L3 21l5.1-.9A9 9 0 0 0 12 21zM9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5v.2M12 16.5v.01',
		my: 'M8 4h8v3H8zM6 5H5v16h14V5h-1M8 11h8M8 15h5',
	};

	const BACKOFF_MIN = 500;
	const BACKOFF_MAX = 10000;
	const NEAR_BOTTOM_PX = 120;

	const navLang = String(navigator.language || 'en').toLowerCase();
	const lang = navLang.startsWith('zh') ? 'zh' : 'en';
	const T = STRINGS[lang === 'zh' ? 'zh-CN' : 'en'];
	const staffToken = new URLSearchParams(location.search).get('staff');

	const $ = (id) => document.getElementById(id);
	const el = {
		title: $('title'),
		status: $('status'),
		badge: $('staff-badge'),
		banner: $('banner'),
		bannerText: $('banner-text'),
		log: $('log'),
		loading: $('loading'),
		loadingText: $('loading-text'),
		empty: $('empty'),
		greetTitle: $('greet-title'),
		greetText: $('greet-text'),
		chips: $('chips'),
		list: $('messages'),
		jump: $('jump'),
		quick: $('quick'),
		form: $('composer-form'),
		input: $('composer'),
		inputLabel: $('composer-label'),
		send: $('send'),
		photo: $('photo'),
		photoInput: $('photo-input'),
	};

	/* The largest photo the server keeps; a larger one is refused here, unsent. */
	const PHOTO_MAX = 5 * 1024 * 1024;

	/*
	 * items: what is shown, oldest first. Each is
	 *   { from: 'me'|'bot'|'notice', text, buttons, at (ms), id?, data?,
	 *     state?: 'sending'|'sent'|'failed', error?, chosen?,
	 *     photo?: { mime, data (base64) } until the server has it }
	 * Only 'me' items have a state; those from the history are 'sent'.
	 * A 'notice' is a local line (a server error about no one message)
	 * and goes away with the next welcome.
	 */
	let items = [];
	let ws = null;
	let ready = false; /* true between welcome and close */
	let welcomed = false; /* a welcome has been seen at least once */
	let backoff = BACKOFF_MIN;
	let retryTimer = 0;
	let countdownTimer = 0;
	let who = null;
	let centre = '';
	let stuck = true; /* the reader is at the newest message */

	/* ---------- helpers ---------- */

	function newId() {
		const b = new Uint8Array(8);
		crypto.getRandomValues(b);
		let hex = '';
		for (const x of b) hex += x.toString(16).padStart(2, '0');
		return `w${Date.now().toString(36)}-${hex}`;
	}

	function h(tag, props, ...kids) {
		const n = document.createElement(tag);
		if (props) {
			for (const [k, v] of Object.entries(props)) {
				if (v === undefined || v === null || v === false) continue;
				if (k === 'class') n.className = v;
				else if (k === 'text') n.textContent = v;
				else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
				else if (k in n && typeof v !== 'string') n[k] = v;
				else n.setAttribute(k, v === true ? '' : String(v));
			}
		}
		for (const kid of kids) if (kid) n.append(kid);
		return n;
	}

	function svgIcon(d) {
		const ns = 'http://www.w3.org/2000/svg';
		const svg = document.createElementNS(ns, 'svg');
		svg.setAttribute('viewBox', '0 0 24 24');
		svg.setAttribute('width', '18');
		svg.setAttribute('height', '18');
		svg.setAttribute('fill', 'none');
		svg.setAttribute('stroke', 'currentColor');
		svg.setAttribute('stroke-width', '1.8');
		svg.setAttribute('stroke-linecap', 'round');
		svg.setAttribute('stroke-linejoin', 'round');
		svg.setAttribute('aria-hidden', 'true');
		const p = document.createElementNS(ns, 'path');
		p.setAttribute('d', d);
		svg.append(p);
		return svg;
	}

	const timeFmt = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit', hour12: false });
	const dateFmt = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { month: 'short', day: 'numeric', weekday: 'short' });
	const fullFmt = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'medium', timeStyle: 'short' });

	function dayKey(ms) {
		const d = new Date(ms);
		return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
	}

	function dayLabel(ms) {
		const now = new Date();
		if (dayKey(ms) === dayKey(now.getTime())) return T.today;
		const y = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
		if (dayKey(ms) === dayKey(y.getTime())) return T.yesterday;
		return dateFmt.format(new Date(ms));
	}

	function toMs(at) {
		const n = Number(at);
		return Number.isFinite(n) && n > 0 ? n * 1000 : Date.now();
	}

	/* Text with http(s) links made clickable; built from text nodes only. */
	function richText(text) {
		const frag = document.createDocumentFragment();
		const re = /https?:\/\/[^\s<>"'，。；、）)】]+/g;
		let last = 0;
		let m;
		while ((m = re.exec(text)) !== null) {
			if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
			const a = document.createElement('a');
			a.href = m[0];
			a.target = '_blank';
			a.rel = 'noopener noreferrer';
			a.textContent = m[0];
			frag.append(a);
			last = m.index + m[0].length;
		}
		if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
		return frag;
	}

	/* A chip sends a command ("/repair"); show it by its label instead. */
	function displayText(item) {
		if (item.from === 'me') {
			const chip = T.chips.find((c) => c[2] === item.text.trim());
			if (chip) return chip[1];
		}
		return item.text;
	}

	function validButtons(list) {
		if (!Array.isArray(list)) return [];
		return list
			.filter((b) => b && typeof b === 'object' && (typeof b.label === 'string' || typeof b.data === 'string'))
			.map((b) => ({
				label: String(b.label ?? b.data),
				data: typeof b.data === 'string' ? b.data : String(b.label),
			}));
	}

	/* Buttons only answer the newest bot message, and only until the
	 * resident has said something after it. */
	function activeButtonIndex() {
		for (let i = items.length - 1; i >= 0; i--) {
			const it = items[i];
			if (it.from === 'notice') continue;
			if (it.from === 'me' && it.state !== 'failed') return -1;
			if (it.from !== 'me') return it.buttons.length ? i : -1;
		}
		return -1;
	}

	/* ---------- rendering ---------- */

	function nearBottom() {
		const l = el.log;
		return l.scrollHeight - l.scrollTop - l.clientHeight < NEAR_BOTTOM_PX;
	}

	function scrollToEnd(smooth) {
		el.log.scrollTo({ top: el.log.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
		el.jump.hidden = true;
		stuck = true;
	}

	/*
	 * The list is patched, never rebuilt: the log is an aria-live region,
	 * and re-inserting every message on each ack would have screen readers
	 * read the whole conversation again (and would drop keyboard focus).
	 * Each item keeps its <li> in `nodes`; what can change after it is
	 * drawn (state, active buttons, time label) is patched in place.
	 */
	const nodes = new Map(); /* item -> { li, meta, sig, btns } */
	const dayNodes = new Map(); /* day key -> <li> separator */

	function createNode(item) {
		if (item.from === 'notice') {
			const li = h('li', { class: 'notice', 'data-testid': 'notice', role: 'alert' }, h('span', { text: item.text }));
			return { li, meta: null, sig: '', btns: [] };
		}
		const mine = item.from === 'me';
		const li = h('li', { 'data-testid': mine ? 'msg-me' : 'msg-bot', 'data-id': item.id });
		li.append(h('span', { class: 'sr-only', text: `${mine ? T.me : centre || T.bot}: ` }));
		const bubble = h('div', { class: 'bubble', 'data-testid': 'msg-text' });
		bubble.append(richText(displayText(item)));
		li.append(bubble);
		const btns = [];
		if (!mine && item.buttons.length) {
			const row = h('div', { class: 'buttons', role: 'group', 'data-testid': 'buttons' });
			for (const b of item.buttons) {
				const btn = h('button', {
					type: 'button', class: 'btn', 'data-testid': 'btn', 'data-data': b.data,
					text: b.label, onclick: () => pressButton(item, b),
				});
				btns.push([btn, b]);
				row.append(btn);
			}
			li.append(row);
		}
		const meta = h('div', { class: 'meta' });
		li.append(meta);
		return { li, meta, sig: null, btns };
	}

	function patchNode(node, item, active) {
		if (item.from === 'notice') return;
		const mine = item.from === 'me';
		node.li.className = `msg ${mine ? 'me' : 'bot'}${item.state ? ` ${item.state}` : ''}`;
		node.li.dataset.state = item.state || 'sent';
		for (const [btn, b] of node.btns) {
			const chosen = item.chosen === b.data;
			btn.disabled = !active;
			btn.classList.toggle('chosen', chosen);
			if (chosen) btn.setAttribute('aria-pressed', 'true');
			else btn.removeAttribute('aria-pressed');
		}
		const sig = `${item.state}|${item.error}|${ready}|${dayKey(Date.now())}`;
		if (sig !== node.sig) {
			node.sig = sig;
			node.meta.replaceChildren(...statusLine(item));
		}
	}

	/* Time and delivery marks are visual (aria-hidden); a failure is
	 * announced on its own through role=alert. */
	function statusLine(item) {
		const d = new Date(item.at);
		const out = [h('time', { class: 'at', 'aria-hidden': 'true', dateTime: d.toISOString(), title: fullFmt.format(d), text: timeFmt.format(d) })];
		if (item.from !== 'me' || !item.state) return out;
		if (item.state === 'sending') {
			out.push(h('span', { class: 'state', 'aria-hidden': 'true', 'data-testid': 'msg-state', text: ready ? T.sending : T.queued }));
		} else if (item.state === 'sent') {
			out.push(h('span', { class: 'state ok', 'aria-hidden': 'true', 'data-testid': 'msg-state', title: T.delivered, text: '✓' }));
		} else if (item.state === 'failed') {
			const why = item.error ? `${T.failed}${lang === 'zh' ? '：' : ': '}${item.error}` : T.failed;
			out.push(h('span', { class: 'state bad', 'data-testid': 'msg-state', role: 'alert', text: why }));
			out.push(h('button', { type: 'button', class: 'retry', 'data-testid': 'retry', text: T.retry, onclick: () => retry(item) }));
		}
		return out;
	}

	function dayNode(ms) {
		const k = dayKey(ms);
		let n = dayNodes.get(k);
		if (!n) {
			n = h('li', { class: 'day', 'aria-hidden': 'true' }, h('span'));
			dayNodes.set(k, n);
		}
		n.firstChild.textContent = dayLabel(ms);
		return n;
	}

	function render(opts) {
		const follow = opts?.follow || stuck || nearBottom();
		const activeIdx = activeButtonIndex();
		const want = [];
		let lastDay = '';
		items.forEach((it, i) => {
			const k = dayKey(it.at);
			if (k !== lastDay) {
				want.push(dayNode(it.at));
				lastDay = k;
			}
			let node = nodes.get(it);
			if (!node) {
				node = createNode(it);
				nodes.set(it, node);
			}
			patchNode(node, it, i === activeIdx);
			want.push(node.li);
		});
		const live = new Set(items);
		for (const it of nodes.keys()) if (!live.has(it)) nodes.delete(it);
		const list = el.list;
		want.forEach((n, i) => {
			if (list.children[i] !== n) list.insertBefore(n, list.children[i] || null);
		});
		while (list.children.length > want.length) list.lastElementChild.remove();
		el.loading.hidden = welcomed || items.length > 0;
		el.empty.hidden = !welcomed || items.length > 0;
		el.quick.hidden = items.length === 0;
		if (follow) scrollToEnd(false);
		else if (opts?.grew) el.jump.hidden = false;
	}

	function renderHeader() {
		const name = centre || T.brand;
		el.title.replaceChildren(document.createTextNode(name), h('span', { class: 'product', text: ' · Concierge' }));
		document.title = `${name} · Concierge`;
		if (who && who.kind === 'staff') {
			el.badge.textContent = who.name ? `${T.staff} · ${who.name}` : T.staff;
			el.badge.hidden = false;
		} else {
			el.badge.hidden = true;
		}
		el.greetTitle.textContent = T.greetTitle(who && who.kind !== 'staff' ? who.name : '');
	}

	function setConn(state) {
		document.body.dataset.conn = state;
		el.status.textContent = state === 'online' ? T.online : state === 'connecting' ? T.connecting : T.offline;
		el.input.placeholder = state === 'online' ? T.placeholder : T.placeholderOffline;
		autosize();
	}

	function showBanner(text) {
		el.bannerText.textContent = text;
		el.banner.hidden = false;
	}

	/* ---------- sending ---------- */

	function transmit(item) {
		if (!ready || !ws || ws.readyState !== WebSocket.OPEN) return false;
		const msg = item.photo
			? { type: 'photo', id: item.id, mime: item.photo.mime, data: item.photo.data }
			: { type: 'say', id: item.id, text: item.text };
		if (item.data !== undefined) msg.data = item.data;
		ws.send(JSON.stringify(msg));
		return true;
	}

	function say(text, data) {
		const item = { from: 'me', id: newId(), text, buttons: [], at: Date.now(), state: 'sending' };
		if (data !== undefined) item.data = data;
		items.push(item);
		transmit(item);
		render({ follow: true });
	}

	/* A photo goes over the websocket as base64; the line shows "[照片]". */
	function sayPhoto(photo) {
		const item = { from: 'me', id: newId(), text: T.photoLabel, buttons: [], at: Date.now(), state: 'sending', photo };
		items.push(item);
		transmit(item);
		render({ follow: true });
	}

	function pickPhoto(file) {
		if (!file) return;
		if (file.size > PHOTO_MAX) {
			items.push({ from: 'notice', text: T.photoTooBig, buttons: [], at: Date.now() });
			render({ grew: true });
			return;
		}
		const reader = new FileReader();
		reader.onload = () => {
			const url = String(reader.result || '');
			const comma = url.indexOf(',');
			sayPhoto({ mime: file.type || 'application/octet-stream', data: comma >= 0 ? url.slice(comma + 1) : '' });
		};
		reader.readAsDataURL(file);
	}

	function retry(item) {
		/* The server refused this id, so the retry is a new message. */
		const at = items.indexOf(item);
		items = items.filter((x) => x !== item);
		if (item.photo) {
			sayPhoto(item.photo);
			return;
		}
		if (item.data !== undefined) {
			const owner = items.slice(0, at).reverse().find((x) => x.from === 'bot');
			const b = owner && owner.buttons.find((x) => x.data === item.data);
			if (b && activeButtonIndex() === items.indexOf(owner)) {
				pressButton(owner, b);
				return;
			}
		}
		say(item.text, item.data);
		/* Keep keyboard users in place; on a phone this would pop the keyboard. */
		if (!matchMedia('(pointer: coarse)').matches) el.input.focus();
	}

	function pressButton(owner, b) {
		if (activeButtonIndex() !== items.indexOf(owner)) return;
		owner.chosen = b.data;
		say(b.label, b.data);
	}

	function submitComposer() {
		const text = el.input.value.replace(/^\s*\n|\s+$/g, '');
		if (!text.trim()) return;
		el.input.value = '';
		autosize();
		say(text);
	}

	/* ---------- protocol ---------- */

	function onWelcome(m) {
		who = m.who && typeof m.who === 'object' ? m.who : null;
		centre = typeof m.title === 'string' ? m.title.trim() : '';
		const history = Array.isArray(m.history) ? m.history : [];
		/* What the server has not acknowledged goes under its history
		 * again, unless the history says it arrived (items may carry the
		 * id the client gave them). */
		const seen = new Set(history.filter((x) => x && x.id).map((x) => String(x.id)));
		const pending = items.filter((x) => x.from === 'me' && (x.state === 'sending' || x.state === 'failed') && !seen.has(x.id));
		/* Reuse the shown item when the history repeats it, so its node
		 * stays put and is not announced again. */
		const key = (x) => `${x.from}|${x.at}|${x.text}`;
		const shown = new Map();
		const pendingSet = new Set(pending);
		for (const x of items) {
			if (x.from === 'notice' || pendingSet.has(x)) continue;
			if (x.id) shown.set(`id:${x.id}`, x);
			shown.set(key(x), x);
		}
		items = history
			.filter((x) => x && typeof x === 'object')
			.map((x) => {
				const it = {
					from: x.from === 'me' ? 'me' : 'bot',
					text: String(x.text ?? ''),
					buttons: validButtons(x.buttons),
					at: toMs(x.at),
				};
				const old = (x.id && shown.get(`id:${x.id}`)) || shown.get(key(it));
				const out = old && old.from === it.from && old.text === it.text ? old : it;
				shown.delete(key(out));
				if (out.id) shown.delete(`id:${out.id}`);
				if (out.from === 'me') {
					out.state = 'sent';
					delete out.error;
				}
				return out;
			});
		/* The history does not say which button was pressed; the answer
		 * right after a message is its label when one was. */
		items.forEach((it, i) => {
			const next = items[i + 1];
			if (it.from === 'bot' && next && next.from === 'me') {
				const b = it.buttons.find((x) => x.label === next.text);
				if (b) it.chosen = b.data;
			}
		});
		items.push(...pending);
		ready = true;
		welcomed = true;
		backoff = BACKOFF_MIN;
		el.banner.hidden = true;
		setConn('online');
		renderHeader();
		el.list.setAttribute('aria-busy', 'true');
		render({ follow: true });
		el.list.setAttribute('aria-busy', 'false');
		for (const it of pending) if (it.state === 'sending') transmit(it);
	}

	function onMessage(m) {
		items.push({ from: 'bot', text: String(m.text ?? ''), buttons: validButtons(m.buttons), at: toMs(m.at) });
		render({ grew: true });
	}

	function findMine(id) {
		return id === undefined ? null : items.find((x) => x.from === 'me' && x.id === String(id));
	}

	function onAck(m) {
		const it = findMine(m.id);
		if (!it) return;
		it.state = 'sent';
		delete it.error;
		delete it.photo; /* stored: the bytes need not stay in the page */
		render();
	}

	function onError(m) {
		const text = typeof m.message === 'string' && m.message ? m.message : '';
		const it = findMine(m.id);
		if (it) {
			it.state = 'failed';
			it.error = text;
			/* A refused button press leaves its buttons open to another try. */
			if (it.data !== undefined) {
				const owner = items.slice(0, items.indexOf(it)).reverse().find((x) => x.from === 'bot');
				if (owner && owner.chosen === it.data) delete owner.chosen;
			}
		} else {
			/* Not about one message: show it as a line of its own, once
			 * (a server refusing every reconnect says the same each time). */
			const last = items[items.length - 1];
			if (last && last.from === 'notice' && last.text.endsWith(text || T.error)) return;
			items.push({ from: 'notice', text: text ? `${T.error}${lang === 'zh' ? '：' : ': '}${text}` : T.error, buttons: [], at: Date.now() });
		}
		render({ grew: true });
	}

	function handle(raw) {
		let m;
		try {
			m = JSON.parse(raw);
		} catch {
			return;
		}
		if (!m || typeof m !== 'object') return;
		switch (m.type) {
		case 'welcome': onWelcome(m); break;
		case 'message': onMessage(m); break;
		case 'ack': onAck(m); break;
		case 'error': onError(m); break;
		default: break; /* newer servers may say more */
		}
	}

	/* ---------- connection ---------- */

	function connect() {
		clearTimeout(retryTimer);
		clearInterval(countdownTimer);
		retryTimer = 0;
		if (ws) return;
		const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/chat`;
		let sock;
		try {
			sock = new WebSocket(url);
		} catch {
			scheduleReconnect();
			return;
		}
		ws = sock;
		if (!welcomed) setConn('connecting');
		sock.addEventListener('open', () => {
			const hello = { type: 'hello', lang };
			if (staffToken) hello.staff = staffToken;
			sock.send(JSON.stringify(hello));
		});
		sock.addEventListener('message', (ev) => {
			if (ws === sock && typeof ev.data === 'string') handle(ev.data);
		});
		sock.addEventListener('close', () => {
			if (ws !== sock) return;
			ws = null;
			ready = false;
			setConn('offline');
			render();
			scheduleReconnect();
		});
		/* An error is always followed by close; nothing to do here. */
	}

	function scheduleReconnect() {
		if (retryTimer) return;
		const wait = backoff;
		backoff = Math.min(backoff * 2, BACKOFF_MAX);
		const until = Date.now() + wait;
		const tick = () => {
			const s = Math.ceil((until - Date.now()) / 1000);
			showBanner(s >= 2 ? T.reconnectIn(s) : T.reconnecting);
		};
		tick();
		clearInterval(countdownTimer);
		countdownTimer = setInterval(tick, 1000);
		retryTimer = setTimeout(connect, wait);
	}

	/* Coming back online or to the foreground is a good moment to try now. */
	function reconnectNow() {
		if (!ws && retryTimer) {
			backoff = BACKOFF_MIN;
			connect();
		}
	}

	/* ---------- composer ---------- */

	function autosize() {
		const t = el.input;
		t.style.height = '';
		/* An empty box keeps its one-line height: Chromium counts a long
		 * placeholder in scrollHeight. */
		if (t.value) {
			t.style.height = 'auto';
			t.style.height = `${Math.min(t.scrollHeight + 2, 140)}px`;
		}
		el.send.disabled = !t.value.trim();
	}

	function buildChips() {
		for (const [key, label, cmd] of T.chips) {
			el.chips.append(h('button', {
				type: 'button', class: 'chip', 'data-testid': `chip-${key}`, 'data-data': cmd,
				onclick: () => say(cmd),
			}, svgIcon(CHIP_ICONS[key]), h('span', { text: label })));
			el.quick.append(h('button', {
				type: 'button', class: 'qchip', 'data-testid': `quick-${key}`, 'data-data': cmd,
				text: label, onclick: () => say(cmd),
			}));
		}
	}

	function init() {
		document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
		el.list.setAttribute('aria-label', T.log);
		el.inputLabel.textContent = T.composer;
		el.send.setAttribute('aria-label', T.send);
		el.send.title = T.send;
		el.photo.setAttribute('aria-label', T.photo);
		el.photo.title = T.photo;
		el.loadingText.textContent = T.connecting;
		el.greetText.textContent = T.greetText;
		el.chips.setAttribute('aria-label', T.quick);
		el.quick.setAttribute('aria-label', T.quick);
		el.jump.textContent = `↓ ${T.jump}`;
		buildChips();
		renderHeader();
		setConn('connecting');

		el.form.addEventListener('submit', (e) => {
			e.preventDefault();
			submitComposer();
			el.input.focus();
		});
		el.input.addEventListener('keydown', (e) => {
			/* Enter while an IME is composing picks a candidate, not send. */
			if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
				e.preventDefault();
				submitComposer();
			}
		});
		el.input.addEventListener('input', autosize);
		el.photo.addEventListener('click', () => el.photoInput.click());
		el.photoInput.addEventListener('change', () => {
			const file = el.photoInput.files && el.photoInput.files[0];
			el.photoInput.value = '';
			pickPhoto(file);
		});
		el.log.addEventListener('scroll', () => {
			stuck = nearBottom();
			if (stuck) el.jump.hidden = true;
		}, { passive: true });
		el.jump.addEventListener('click', () => scrollToEnd(true));
		window.addEventListener('online', reconnectNow);
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible') reconnectNow();
		});
		/* Keep the newest message in view when the on-screen keyboard
		 * shrinks the viewport. */
		window.addEventListener('resize', () => {
			if (stuck) scrollToEnd(false);
		});
		autosize();
		render();
		connect();
	}

	init();
})();
