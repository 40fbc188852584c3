// Concierge staff console: the board of orders (live over /console/ws), an
// order's detail with its history, the chat with the resident and the
// actions the server allows, desk intake and the report with its charts.
// Everything goes through the API under /api with the session cookie; every
// request that changes something carries the session's CSRF token. The
// server decides who may see and do what; this page only hides what the
// API said is not allowed. Every request says the language chosen here
// (Accept-Language), so the server answers actions in it. The report's
// figures are `concierge report --json`'s; its charts are drawn here as
// inline SVG.
'use strict';

(() => {
	const T = {
		zh: {
			title: '服务中心控制台', tab_board: '工单', tab_desk: '前台登记', tab_report: '报表',
			logout: '退出', login_title: '员工登录', login_hint: '请输入配置中您的个人令牌。',
			token: '令牌', login: '登录', f_status: '状态', f_category: '类别', f_community: '小区',
			f_assignee: '负责人', f_from: '从', f_to: '到', f_clear: '清除', prev: '上一页', next: '下一页',
			back: '返回', all: '全部', open: '未完成', nobody: '未分配', total: '共 {0} 单',
			page: '第 {0}–{1} 条', none: '没有符合条件的工单', live_on: '实时', live_off: '离线',
			desk_title: '前台登记', desk_hint: '为来电或到访的业主登记需求。', d_source: '来源',
			src_phone: '服务热线', src_walk_in: '前台到访', src_on_site: '现场报修',
			d_text: '需求描述', d_room: '房号', d_name: '姓名', d_phone: '电话', d_when: '期望时间',
			d_submit: '登记', d_done: '已登记，工单号 {0}', r_show: '查看', r_by_status: '按状态',
			r_by_category: '按类别', r_total: '共 {0} 单', r_by: '分组', by_none: '不分组',
			by_category: '按类别', by_staff: '按人员', by_day: '按日', r_by_day: '每日工单',
			r_by_staff: '各人员工单', r_groups_category: '各类别工单', r_period: '{0} 至 {1}',
			r_all_time: '全部时间', r_group: '分组', r_orders: '工单',
			f_response: '响应时间（中位数）', f_completion: '完成时间（中位数）', f_p90: '90%分位 {0}',
			f_on_time: '按时响应率', f_on_time_completion: '按时完成率', f_due: '{0} / {1} 单按时',
			f_none_due: '无应计工单', f_satisfaction: '满意度', f_share: '4–5 分占 {0} · {1} 人评价',
			f_no_rating: '暂无评价', f_rework: '返工', f_complaints: '投诉', f_emergencies: '紧急',
			f_declined: '不予受理', f_billed: '应收费用', f_fees: '已收 {0} · 未收 {1}', f_measured: '{0} 单计入',
			yuan: '{0} 元', u_day: '{0}天', u_hour: '{0}小时', u_min: '{0}分', u_min_only: '{0}分钟', u_sec: '{0}秒',
			forms: '打印', form_register: '需求登记表', form_dispatch: '派工单', form_feedback: '质量反馈单',
			photos: '照片', photo_alt: '业主发来的照片 {0}',
			timeline: '处理记录', chat: '与业主的对话', actions: '操作', no_chat: '（没有对话记录）',
			resident: '业主', bot: '服务助手', system: '系统', urgent: '紧急',
			k_resident: '业主', k_room: '房号', k_phone: '电话', k_preferred: '期望时间',
			k_assignee: '负责人', k_eta: '上门时间', k_fee: '费用', k_rating: '评价', k_created: '登记时间',
			k_item: '服务项目', k_community: '小区',
			a_assign: '派单', a_accept: '接单', a_visit_time: '约上门时间', a_start: '开工', a_done: '完工',
			a_paid: '收款', a_reply: '回复业主', a_quote: '额外报价', a_cancel: '取消工单',
			a_resolve: '投诉结案', a_note: '备注', a_photo: '请业主拍照',
			p_staff: '派给', p_force: '不具备技能也派', p_time: '时间，如 明天上午9点', p_fee: '金额（元）',
			p_receipt: '收据号', p_text: '内容', p_reason: '原因', p_resolution: '处理结果',
			submit: '确定', print: '打印', failed: '出错了：{0}', offline: '无法连接服务器',
			s_pending: '待接单', s_assigned: '已接单', s_scheduled: '已约时间', s_in_progress: '处理中',
			s_awaiting_acceptance: '待验收', s_closed: '已完成', s_rework: '返工中', s_cancelled: '已取消',
			s_declined: '不予受理', c_repair: '维修', c_cleaning: '保洁', c_errand: '代办',
			c_inquiry: '咨询', c_complaint: '投诉',
			e_created: '登记', e_assigned: '派单', e_accepted: '接单', e_eta: '约定上门', e_started: '开工',
			e_done: '完工', e_paid: '收款', e_cancelled: '取消', e_closed: '完成', e_note: '备注',
			e_quoted: '报价', e_quote_agreed: '业主同意报价', e_quote_declined: '业主不同意报价',
			e_message_to_resident: '给业主留言', e_message_from_resident: '业主留言', e_rework: '返工',
			e_resolved: '投诉答复', e_rated: '评价', e_commented: '评语', e_escalated: '超时升级',
			e_accepted_by_resident: '业主验收', e_reopened: '重新打开', e_photo_added: '照片',
			e_photo_asked: '索要照片', e_reschedule_requested: '业主要求改时间',
		},
		en: {
			title: 'Service centre console', tab_board: 'Orders', tab_desk: 'Desk intake', tab_report: 'Report',
			logout: 'Log out', login_title: 'Staff login', login_hint: 'Enter your personal token from the configuration.',
			token: 'Token', login: 'Log in', f_status: 'Status', f_category: 'Category', f_community: 'Community',
			f_assignee: 'Assignee', f_from: 'From', f_to: 'To', f_clear: 'Clear', prev: 'Previous', next: 'Next',
			back: 'Back', all: 'All', open: 'Open', nobody: 'Nobody', total: '{0} orders', total_one: '1 order',
			page: '{0}–{1}', none: 'No orders match.', live_on: 'Live', live_off: 'Offline',
			desk_title: 'Desk intake', desk_hint: 'Take down a request for a resident who phoned or came in.',
			d_source: 'Source', src_phone: 'Hotline', src_walk_in: 'Walk-in', src_on_site: 'On site',
			d_text: 'Request', d_room: 'Room', d_name: 'Name', d_phone: 'Phone', d_when: 'Preferred time',
			d_submit: 'Register', d_done: 'Registered as order {0}', r_show: 'Show', r_by_status: 'By status',
			r_by_category: 'By category', r_total: '{0} orders', r_total_one: '1 order', r_by: 'Group by',
			by_none: 'No groups', by_category: 'Category', by_staff: 'Staff', by_day: 'Day', r_by_day: 'Orders by day',
			r_by_staff: 'Orders by staff member', r_groups_category: 'Orders by category', r_period: '{0} to {1}',
			r_all_time: 'All time', r_group: 'Group', r_orders: 'Orders',
			f_response: 'Response time (median)', f_completion: 'Completion time (median)', f_p90: '90th percentile {0}',
			f_on_time: 'On-time response', f_on_time_completion: 'On-time completion', f_due: '{0} of {1} on time',
			f_none_due: 'nothing due', f_satisfaction: 'Satisfaction', f_share: '{0} rated 4–5 · {1} ratings',
			f_no_rating: 'no ratings yet', f_rework: 'Rework', f_complaints: 'Complaints', f_emergencies: 'Emergencies',
			f_declined: 'Declined', f_billed: 'Fees billed', f_fees: 'paid {0} · unpaid {1}', f_measured: '{0} orders measured',
			yuan: '¥{0}', u_day: '{0} d', u_hour: '{0} h', u_min: '{0} min', u_min_only: '{0} min', u_sec: '{0} s',
			forms: 'Print', form_register: 'Request form', form_dispatch: 'Work order', form_feedback: 'Feedback form',
			photos: 'Photos', photo_alt: 'Photo from the resident {0}',
			timeline: 'History', chat: 'Chat with the resident', actions: 'Actions', no_chat: '(no messages)',
			resident: 'Resident', bot: 'Assistant', system: 'System', urgent: 'Urgent',
			k_resident: 'Resident', k_room: 'Room', k_phone: 'Phone', k_preferred: 'Preferred time',
			k_assignee: 'Assignee', k_eta: 'Visit', k_fee: 'Fee', k_rating: 'Rating', k_created: 'Registered',
			k_item: 'Item', k_community: 'Community',
			a_assign: 'Assign', a_accept: 'Take', a_visit_time: 'Visit time', a_start: 'Start', a_done: 'Done',
			a_paid: 'Paid', a_reply: 'Reply', a_quote: 'Quote a fee', a_cancel: 'Cancel',
			a_resolve: 'Close complaint', a_note: 'Note', a_photo: 'Ask for a photo',
			p_staff: 'To', p_force: 'even without the skill', p_time: 'Time, e.g. tomorrow 9am', p_fee: 'Amount (yuan)',
			p_receipt: 'Receipt', p_text: 'Text', p_reason: 'Reason', p_resolution: 'Resolution',
			submit: 'OK', print: 'Print', failed: 'Failed: {0}', offline: 'Cannot reach the server',
			s_pending: 'pending', s_assigned: 'assigned', s_scheduled: 'scheduled', s_in_progress: 'in progress',
			s_awaiting_acceptance: 'awaiting acceptance', s_closed: 'closed', s_rework: 'rework',
			s_cancelled: 'cancelled', s_declined: 'declined', c_repair: 'repair', c_cleaning: 'cleaning',
			c_errand: 'errand', c_inquiry: 'inquiry', c_complaint: 'complaint',
			e_created: 'registered', e_assigned: 'assigned', e_accepted: 'taken', e_eta: 'visit agreed',
			e_started: 'started', e_done: 'done', e_paid: 'paid', e_cancelled: 'cancelled', e_closed: 'closed',
			e_note: 'note', e_quoted: 'fee quoted', e_quote_agreed: 'fee agreed', e_quote_declined: 'fee declined',
			e_message_to_resident: 'to the resident', e_message_from_resident: 'from the resident',
			e_rework: 'rework', e_resolved: 'resolution sent', e_rated: 'rated', e_commented: 'comment',
			e_escalated: 'escalated', e_accepted_by_resident: 'accepted by the resident', e_reopened: 'reopened',
			e_photo_added: 'photo', e_photo_asked: 'photo asked for', e_reschedule_requested: 'new time asked for',
		},
	};
	const STATUSES = ['pending', 'assigned', 'scheduled', 'in_progress', 'awaiting_acceptance', 'closed',
		'rework', 'cancelled', 'declined'];
	const CATEGORIES = ['repair', 'cleaning', 'errand', 'inquiry', 'complaint'];
	// The fields of each action's form: [name, kind, placeholder key].
	const FORMS = {
		assign: [['staff', 'staff', 'p_staff'], ['force', 'check', 'p_force']],
		accept: [], start: [], photo: [],
		visit_time: [['time', 'text', 'p_time']],
		done: [['fee', 'text', 'p_fee', true]],
		paid: [['receipt', 'text', 'p_receipt']],
		reply: [['text', 'area', 'p_text']],
		quote: [['fee', 'text', 'p_fee'], ['reason', 'text', 'p_reason']],
		cancel: [['reason', 'text', 'p_reason']],
		resolve: [['text', 'area', 'p_resolution']],
		note: [['text', 'area', 'p_text']],
	};
	const PAGE = 20;

	const $ = (id) => document.getElementById(id);
	const state = { lang: 'zh', csrf: '', me: null, offset: 0, total: 0, open: null, fresh: new Set(), ws: null, timer: 0 };

	function t(key, ...args) {
		const s = (T[state.lang] && T[state.lang][key]) || T.zh[key] || key;
		return s.replace(/\{(\d)\}/g, (_, i) => (args[i] === undefined ? '' : String(args[i])));
	}

	// "1 order", "2 orders": KEY_one where the language has it.
	function count(key, n) {
		return n === 1 && T[state.lang][`${key}_one`] ? t(`${key}_one`) : t(key, n);
	}

	function el(tag, attrs, ...kids) {
		const n = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === undefined || v === null || v === false) continue;
			if (k === 'text') n.textContent = v;
			else if (k.startsWith('data-') || k === 'type' || k === 'name' || k === 'href' || k === 'target' ||
				k === 'rel' || k === 'placeholder' || k === 'value' || k === 'rows' || k === 'for' || k === 'id' ||
				k === 'src' || k === 'alt' || k === 'loading') n.setAttribute(k, v);
			else if (k === 'class') n.className = v;
			else n[k] = v;
		}
		for (const kid of kids) if (kid !== null && kid !== undefined) n.append(kid);
		return n;
	}

	function toast(text, bad) {
		const n = $('toast');
		n.textContent = text;
		n.dataset.kind = bad ? 'error' : 'ok';
		n.hidden = false;
		clearTimeout(state.timer);
		state.timer = setTimeout(() => { n.hidden = true; }, 6000);
	}

	async function api(method, path, body) {
		// The language chosen on this page, for the server's answers (an action's reply);
		// the browser's own until the page has settled on one.
		const headers = { Accept: 'application/json' };
		if (state.langSet) headers['Accept-Language'] = state.lang === 'en' ? 'en' : 'zh-CN';
		if (method !== 'GET') {
			headers['Content-Type'] = 'application/json';
			headers['X-CSRF-Token'] = state.csrf;
		}
		let res;
		try {
			res = await fetch(path, { method, headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : undefined });
		} catch (e) {
			throw new Error(t('offline'));
		}
		let data = {};
		try { data = await res.json(); } catch (e) { /* not JSON */ }
		if (res.status === 401 && path.startsWith('/api/')) showLogin();
		return { status: res.status, data };
	}

	function applyI18n() {
		document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
		for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
		$('lang').textContent = state.lang === 'en' ? '中文' : 'EN';
		$('live-text').textContent = t(document.body.dataset.live === 'on' ? 'live_on' : 'live_off');
		document.title = `${t('title')} · Concierge`;
	}

	function staffName(id) {
		const s = state.me && state.me.team.find((x) => x.id === id);
		return s ? s.name : id;
	}

	function actorName(actor) {
		if (!actor) return '';
		if (actor.startsWith('staff:')) return staffName(actor.slice(6));
		if (actor.startsWith('resident:')) return t('resident');
		return t('system');
	}

	// The centre's local time as the server wrote it ("2026-11-27T15:00:00+08:00"),
	// whatever the zone of the browser.
	function when(iso) {
		if (!iso) return '';
		const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
		return m ? `${m[1]} ${m[2]}` : iso;
	}

	// ---- views -------------------------------------------------------------------------

	function show(view) {
		document.body.dataset.view = view;
		for (const b of document.querySelectorAll('[data-tab]')) b.classList.toggle('on', b.dataset.tab === view);
	}

	function showLogin() {
		state.me = null;
		if (state.ws) { state.ws.onclose = null; state.ws.close(); state.ws = null; }
		$('tabs').hidden = true;
		$('logout').hidden = true;
		$('me').textContent = '';
		show('login');
		setTimeout(() => $('token').focus(), 0);
	}

	function fillSelect(sel, options, keep) {
		const old = keep ? sel.value : '';
		sel.replaceChildren(...options.map(([v, label]) => el('option', { value: v, text: label })));
		if (options.some(([v]) => v === old)) sel.value = old;
	}

	function fillFilters() {
		const f = $('filters');
		fillSelect(f.status, [['', t('all')], ['open', t('open')], ...STATUSES.map((s) => [s, t(`s_${s}`)])], true);
		fillSelect(f.category, [['', t('all')], ...CATEGORIES.map((c) => [c, t(`c_${c}`)])], true);
		const communities = state.me.communities.map((c) => [c.id, c.name]);
		fillSelect(f.community, [['', t('all')], ...communities], true);
		fillSelect($('report-form').community, [['', t('all')], ...communities], true);
		fillSelect($('report-form').by, [['', t('by_none')], ...['category', 'staff', 'day'].map((b) => [b, t(`by_${b}`)])], true);
		fillSelect($('desk-form').community, communities, true);
		const team = state.me.team.map((s) => [s.id, s.name]);
		fillSelect(f.assignee, state.me.rights.all_orders ? [['', t('all')], ['none', t('nobody')], ...team]
			: team.filter(([id]) => id === state.me.staff.id), true);
	}

	async function start() {
		const r = await api('GET', '/api/me');
		if (r.status !== 200) { showLogin(); return; }
		state.me = r.data;
		$('me').textContent = `${state.me.staff.name} · ${state.me.staff.role}`;
		$('tabs').hidden = false;
		$('logout').hidden = false;
		document.querySelector('[data-tab="desk"]').hidden = !state.me.rights.desk;
		document.querySelector('[data-tab="report"]').hidden = !state.me.rights.report;
		fillFilters();
		applyI18n();
		show('board');
		connect();
		await loadBoard();
	}

	// ---- the board ------------------------------------------------------------------------

	function query() {
		const f = new FormData($('filters'));
		const q = new URLSearchParams();
		for (const [k, v] of f.entries()) if (v) q.set(k, v);
		q.set('limit', String(PAGE));
		q.set('offset', String(state.offset));
		return q.toString();
	}

	function orderItem(o) {
		const li = el('li', { class: 'order', 'data-testid': 'order', 'data-number': o.number, 'data-status': o.status, tabIndex: 0 },
			el('div', { class: 'line1' },
				el('strong', { class: 'num', text: o.number }),
				el('span', { class: `badge s-${o.status}`, 'data-testid': 'order-status', text: t(`s_${o.status}`) }),
				o.urgent ? el('span', { class: 'badge urgent', text: t('urgent') }) : null,
				el('span', { class: 'cat', text: t(`c_${o.category}`) })),
			el('div', { class: 'line2', text: o.description }),
			el('div', { class: 'line3' },
				el('span', { text: o.room || '' }),
				el('span', { 'data-testid': 'order-assignee', text: o.assignee ? staffName(o.assignee) : t('nobody') }),
				el('span', { class: 'muted', text: when(o.created_at) })));
		if (state.fresh.has(o.number)) li.classList.add('fresh');
		if (state.open === o.number) li.classList.add('on');
		const open = () => openOrder(o.number);
		li.addEventListener('click', open);
		li.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
		return li;
	}

	async function loadBoard() {
		const r = await api('GET', `/api/orders?${query()}`);
		if (r.status !== 200) {
			if (r.status !== 401) toast(t('failed', r.data.error || r.status), true);
			return;
		}
		state.total = r.data.total;
		const list = $('orders');
		list.replaceChildren(...r.data.orders.map(orderItem));
		if (!r.data.orders.length) list.append(el('li', { class: 'empty', text: t('none') }));
		$('total').textContent = count('total', r.data.total);
		$('page').textContent = r.data.total ? t('page', state.offset + 1, state.offset + r.data.orders.length) : '';
		$('prev').disabled = state.offset === 0;
		$('next').disabled = state.offset + r.data.orders.length >= r.data.total;
		list.dataset.loaded = 'yes'; /* the list on screen is the server's, not the empty page's */
	}

	function connect() {
		const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/ws`);
		state.ws = ws;
		ws.onopen = () => { document.body.dataset.live = 'on'; applyI18n(); };
		ws.onmessage = (e) => {
			let m;
			try { m = JSON.parse(e.data); } catch (err) { return; }
			if (m.type !== 'changed') return;
			for (const n of m.orders) state.fresh.add(n);
			loadBoard();
			if (state.open && m.orders.includes(state.open)) openOrder(state.open, true);
		};
		ws.onclose = () => {
			document.body.dataset.live = 'off';
			applyI18n();
			if (state.me) setTimeout(() => { if (state.me && state.ws === ws) connect(); }, 3000);
		};
	}

	// ---- one order --------------------------------------------------------------------------

	function field(label, value, testid) {
		return value ? el('div', { class: 'kv' }, el('span', { class: 'k', text: label }),
			el('span', { class: 'v', 'data-testid': testid, text: String(value) })) : null;
	}

	function actionForm(number, action, order) {
		const form = el('form', { class: 'action', 'data-testid': `action-${action}`, 'data-action': action, hidden: true });
		const fields = FORMS[action] || [];
		for (const [name, kind, ph, optional] of fields) {
			let input;
			if (kind === 'staff') {
				input = el('select', { name, 'data-testid': `action-${action}-${name}` });
				const team = state.me.team.filter((s) => s.role !== 'manager');
				input.replaceChildren(...team.map((s) => el('option', { value: s.id, text: `${s.name} (${s.skills.join(', ') || s.role})` })));
				if (order.assignee) input.value = order.assignee;
			} else if (kind === 'check') {
				input = el('label', { class: 'check' }, el('input', { type: 'checkbox', name }), t(ph));
			} else if (kind === 'area') {
				input = el('textarea', { name, rows: 2, placeholder: t(ph), required: !optional, 'data-testid': `action-${action}-${name}` });
			} else {
				input = el('input', { name, placeholder: t(ph), required: !optional, 'data-testid': `action-${action}-${name}` });
			}
			form.append(input);
		}
		form.append(el('button', { type: 'submit', class: fields.length ? 'primary' : 'primary wide', text: t(`a_${action}`), 'data-testid': `action-${action}-submit` }));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			const body = { action };
			for (const [name, kind] of fields) {
				const input = form.elements[name];
				if (kind === 'check') { if (input.checked) body[name] = true; } else if (input.value.trim()) body[name] = input.value.trim();
			}
			const button = form.querySelector('button[type=submit]');
			button.disabled = true;
			const r = await api('POST', `/api/orders/${encodeURIComponent(number)}/actions`, body);
			button.disabled = false;
			if (r.status === 200) {
				toast(r.data.reply);
				form.reset();
			} else {
				toast(r.data.error || t('failed', r.status), true);
			}
			if (r.data.order) renderOrder(r.data.order, null);
			loadBoard();
		});
		return form;
	}

	function renderOrder(o, chat) {
		state.order = o;
		const body = $('detail-body');
		const head = el('header', { class: 'dhead' },
			el('h2', { 'data-testid': 'detail-number', text: o.number }),
			el('span', { class: `badge s-${o.status}`, 'data-testid': 'detail-status', text: t(`s_${o.status}`) }),
			o.urgent ? el('span', { class: 'badge urgent', text: t('urgent') }) : null,
			el('span', { class: 'cat', text: t(`c_${o.category}`) }),
			// The standard's three forms, each a printable page of its own.
			el('span', { class: 'print-links' }, `${t('forms')}: `,
				...['register', 'dispatch', 'feedback'].map((f) => el('a', {
					href: `/console/orders/${encodeURIComponent(o.number)}/form?form=${f}`, target: '_blank', rel: 'noopener',
					'data-testid': `form-${f}`, text: t(`form_${f}`),
				}))));
		const facts = el('div', { class: 'facts' },
			el('p', { class: 'desc', 'data-testid': 'detail-description', text: o.description }),
			field(t('k_resident'), o.contact_name, 'detail-name'), field(t('k_room'), o.room, 'detail-room'),
			field(t('k_phone'), o.phone, 'detail-phone'), field(t('k_preferred'), o.preferred_time, 'detail-preferred'),
			field(t('k_assignee'), o.assignee ? staffName(o.assignee) : t('nobody'), 'detail-assignee'),
			field(t('k_eta'), o.eta, 'detail-eta'), field(t('k_fee'), o.fee === null ? '' : `${o.fee} ¥`, 'detail-fee'),
			field(t('k_rating'), o.rating ? '★'.repeat(o.rating) : '', 'detail-rating'),
			field(t('k_created'), when(o.created_at), 'detail-created'));
		// One button per action the server allows; it opens that action's form (one at a time).
		const allowed = (o.actions || []).filter((a) => FORMS[a]);
		const forms = allowed.map((a) => actionForm(o.number, a, o));
		const buttons = allowed.map((a, i) => {
			const b = el('button', { type: 'button', class: 'act', 'data-testid': `act-${a}`, text: t(`a_${a}`) });
			b.addEventListener('click', () => {
				const opening = forms[i].hidden;
				forms.forEach((f, k) => { f.hidden = !(opening && k === i); });
				buttons.forEach((x, k) => x.classList.toggle('on', opening && k === i));
				if (opening) {
					const first = forms[i].querySelector('input:not([type=checkbox]), textarea, select, button');
					if (first) first.focus();
				}
			});
			return b;
		});
		const acts = el('section', { class: 'acts', 'data-testid': 'actions' }, el('h3', { text: t('actions') }),
			el('div', { class: 'act-bar' }, ...buttons), ...forms);
		const timeline = el('section', { class: 'timeline' }, el('h3', { text: t('timeline') }),
			el('ol', { 'data-testid': 'timeline' }, ...(o.events || []).map((e) => el('li', { 'data-action': e.action },
				el('span', { class: 'muted', text: when(e.at) }), ' ',
				el('strong', { text: T[state.lang][`e_${e.action}`] || e.action }), ' ',
				el('span', { text: actorName(e.actor) }),
				e.detail ? el('div', { class: 'detail-text', text: e.action === 'assigned' ? staffName(e.detail) : e.detail }) : null))));
		// The photos, from the console's own route (it checks the reader may see the order).
		const photos = (o.photos || []).length ? el('section', { class: 'photos' }, el('h3', { text: t('photos') }),
			el('div', { class: 'thumbs', 'data-testid': 'photos' }, ...o.photos.map((ph, i) => el('a', { href: ph.url, target: '_blank', rel: 'noopener' },
				el('img', { src: ph.url, alt: t('photo_alt', i + 1), loading: 'lazy', 'data-testid': 'photo', 'data-hash': ph.hash }))))) : null;
		const parts = [head, facts, photos, acts, timeline].filter(Boolean);
		let chatBox = body.querySelector('.chat');
		if (chat) {
			chatBox = el('section', { class: 'chat' }, el('h3', { text: t('chat') }),
				el('div', { class: 'bubbles', 'data-testid': 'chat' }, ...(chat.length ? chat.map((m) => el('div', { class: `bubble ${m.from}` },
					el('div', { class: 'who', text: `${t(m.from)} · ${when(m.at)}` }), el('div', { text: m.text })))
					: [el('p', { class: 'muted', text: t('no_chat') })])));
		}
		if (chatBox) parts.push(chatBox);
		body.replaceChildren(...parts);
		$('detail').hidden = false;
		document.body.dataset.detail = 'open';
	}

	async function openOrder(number, quiet) {
		state.open = number;
		for (const li of document.querySelectorAll('.order')) li.classList.toggle('on', li.dataset.number === number);
		const r = await api('GET', `/api/orders/${encodeURIComponent(number)}`);
		if (r.status !== 200) {
			if (!quiet) toast(r.data.error || t('failed', r.status), true);
			return;
		}
		state.fresh.delete(number);
		renderOrder(r.data.order, r.data.chat);
	}

	// ---- desk intake and the report -----------------------------------------------------------------

	async function desk(e) {
		e.preventDefault();
		const f = $('desk-form');
		const body = {};
		for (const [k, v] of new FormData(f).entries()) if (String(v).trim()) body[k] = String(v).trim();
		const r = await api('POST', '/api/orders', body);
		const out = $('desk-result');
		if (r.status === 201) {
			out.textContent = t('d_done', r.data.number);
			out.dataset.kind = 'ok';
			f.reset();
		} else {
			out.textContent = r.data.error || t('failed', r.status);
			out.dataset.kind = 'error';
		}
	}

	const SVG = 'http://www.w3.org/2000/svg';
	function svg(tag, attrs, ...kids) {
		const n = document.createElementNS(SVG, tag);
		for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
		for (const kid of kids) if (kid) n.append(kid);
		return n;
	}

	// A horizontal bar chart of ROWS [[label, value, key]], drawn here: no library, nothing fetched.
	function barChart(rows, kind) {
		const max = Math.max(1, ...rows.map(([, v]) => v));
		const rowH = 28, labelW = 120, barW = 220, w = labelW + barW + 50, h = rows.length * rowH + 8;
		const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img', class: 'chart', 'data-kind': kind });
		root.append(svg('title', {}, document.createTextNode(rows.map(([l, v]) => `${l} ${v}`).join(', '))));
		rows.forEach(([label, value, key], i) => {
			const y = 4 + i * rowH;
			const len = Math.round((value / max) * barW);
			const text = svg('text', { x: labelW - 8, y: y + 18, 'text-anchor': 'end', class: 'label' });
			text.textContent = label;
			const bar = svg('rect', { x: labelW, y: y + 4, width: Math.max(len, value ? 2 : 0), height: rowH - 10, rx: 3, class: `bar b-${key}`, 'data-testid': 'bar', 'data-key': key, 'data-value': value });
			const num = svg('text', { x: labelW + len + 6, y: y + 18, class: 'value' });
			num.textContent = String(value);
			root.append(text, bar, num);
		});
		return root;
	}

	// Columns over time, one per day of ROWS [[day, value]], with the first, last and
	// every few days named under them.
	function dayChart(rows) {
		const max = Math.max(1, ...rows.map(([, v]) => v));
		// A fixed drawing width, so a week and a year read at the same size.
		const W = 640, left = 8, top = 18, plotH = 150, h = top + plotH + 26;
		const colW = Math.min(40, (W - 2 * left) / Math.max(1, rows.length));
		const every = Math.max(1, Math.ceil(rows.length / Math.floor((W - 2 * left) / 44)));
		const root = svg('svg', { viewBox: `0 0 ${W} ${h}`, width: '100%', role: 'img', class: 'chart days', 'data-kind': 'day' });
		root.append(svg('title', {}, document.createTextNode(rows.map(([d, v]) => `${d} ${v}`).join(', '))));
		root.append(svg('line', { x1: left, y1: top + plotH, x2: left + rows.length * colW, y2: top + plotH, class: 'axis' }));
		rows.forEach(([day, value], i) => {
			const hgt = Math.round((value / max) * plotH);
			const x = left + i * colW;
			root.append(svg('rect', { x: x + colW * 0.1, y: top + plotH - hgt, width: colW * 0.8, height: Math.max(hgt, value ? 2 : 0), rx: 2, class: 'bar', 'data-testid': 'col', 'data-key': day, 'data-value': value }));
			if (value && colW >= 14) {
				const num = svg('text', { x: x + colW / 2, y: top + plotH - hgt - 4, 'text-anchor': 'middle', class: 'value' });
				num.textContent = String(value);
				root.append(num);
			}
			if (i % every === 0 || i === rows.length - 1) {
				const label = svg('text', { x: x + colW / 2, y: top + plotH + 16, 'text-anchor': 'middle', class: 'label small' });
				label.textContent = day.slice(5);
				root.append(label);
			}
		});
		return root;
	}

	// Seconds as people read them: "2小时30分", "2 h 30 min"; '—' when nothing was measured.
	function duration(sec) {
		if (sec === null || sec === undefined) return '—';
		sec = Math.round(sec);
		if (sec < 60) return t('u_sec', sec);
		const d = Math.floor(sec / 86400), hr = Math.floor((sec % 86400) / 3600), mi = Math.floor((sec % 3600) / 60);
		const sep = state.lang === 'en' ? ' ' : '';
		if (d) return [t('u_day', d), hr ? t('u_hour', hr) : ''].filter(Boolean).join(sep);
		if (hr) return [t('u_hour', hr), mi ? t('u_min', mi) : ''].filter(Boolean).join(sep);
		return t('u_min_only', mi);
	}

	function percent(rate) {
		return rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`;
	}

	function money(v) {
		return t('yuan', Number(v).toLocaleString(state.lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 2 }));
	}

	// A figure card: KEY names it for tests, VALUE is the raw figure, TEXT how it reads.
	function card(key, label, value, text, sub) {
		return el('div', { class: 'fig card', 'data-testid': `fig-${key}`, 'data-value': value === null || value === undefined ? '' : String(value) },
			el('div', { class: 'fig-label', text: label }),
			el('div', { class: 'fig-value', 'data-testid': `fig-${key}-text`, text }),
			sub ? el('div', { class: 'fig-sub muted', text: sub }) : null);
	}

	function figureCards(f) {
		const rt = f.response_time, ct = f.completion_time, r = f.on_time.response, c = f.on_time.completion, s = f.satisfaction;
		return [
			card('response', t('f_response'), rt.median_seconds, duration(rt.median_seconds),
				`${t('f_p90', duration(rt.p90_seconds))} · ${t('f_measured', rt.count)}`),
			card('completion', t('f_completion'), ct.median_seconds, duration(ct.median_seconds),
				`${t('f_p90', duration(ct.p90_seconds))} · ${t('f_measured', ct.count)}`),
			card('on-time', t('f_on_time'), r.rate, percent(r.rate), r.due ? t('f_due', r.on_time, r.due) : t('f_none_due')),
			card('on-time-completion', t('f_on_time_completion'), c.rate, percent(c.rate), c.due ? t('f_due', c.on_time, c.due) : t('f_none_due')),
			card('satisfaction', t('f_satisfaction'), s.mean, s.mean === null ? '—' : `${s.mean} / 5`,
				s.rated ? t('f_share', percent(s.share_4_5), s.rated) : t('f_no_rating')),
			card('fees', t('f_billed'), f.fees.billed, money(f.fees.billed), t('f_fees', money(f.fees.paid), money(f.fees.unpaid))),
			card('rework', t('f_rework'), f.rework, String(f.rework)),
			card('complaints', t('f_complaints'), f.complaints, String(f.complaints)),
			card('emergencies', t('f_emergencies'), f.emergencies, String(f.emergencies)),
			card('declined', t('f_declined'), f.declined, String(f.declined)),
		];
	}

	// The name of a group of the report, in the page's language.
	function groupName(by, g) {
		if (by === 'category') return t(`c_${g.key}`);
		if (by === 'staff') return g.key === null ? t('nobody') : staffName(g.key);
		return g.key || g.name;
	}

	// The groups side by side: orders and the main figures of each.
	function groupTable(rep) {
		const head = el('tr', {}, ...[t('r_group'), t('r_orders'), t('f_response'), t('f_completion'), t('f_on_time'), t('f_satisfaction'), t('f_billed')]
			.map((h) => el('th', { text: h })));
		const rows = rep.groups.map((g) => el('tr', { 'data-testid': 'r-group', 'data-key': g.key === null ? '' : g.key },
			el('th', { text: groupName(rep.by, g) }), el('td', { text: String(g.orders) }),
			el('td', { text: duration(g.response_time.median_seconds) }), el('td', { text: duration(g.completion_time.median_seconds) }),
			el('td', { text: percent(g.on_time.response.rate) }), el('td', { text: g.satisfaction.mean === null ? '—' : String(g.satisfaction.mean) }),
			el('td', { text: money(g.fees.billed) })));
		return el('table', { class: 'groups' }, el('thead', {}, head), el('tbody', {}, ...rows));
	}

	function renderReport(rep) {
		const f = rep.totals;
		$('r-total').textContent = count('r_total', f.orders);
		$('r-period').textContent = rep.period.from || rep.period.to
			? t('r_period', rep.period.from || '…', rep.period.to || '…') : t('r_all_time');
		$('r-figures').replaceChildren(...figureCards(f));
		$('chart-status').replaceChildren(barChart(STATUSES.map((s) => [t(`s_${s}`), f.by_status[s] || 0, s]), 'status'));
		$('chart-category').replaceChildren(barChart(CATEGORIES.map((c) => [t(`c_${c}`), f.by_category[c] || 0, c]), 'category'));
		const fig = $('r-groups-fig');
		fig.hidden = !rep.by || !rep.groups.length;
		if (fig.hidden) { $('chart-groups').replaceChildren(); $('r-groups').replaceChildren(); return; }
		$('r-groups-title').textContent = t(rep.by === 'day' ? 'r_by_day' : rep.by === 'staff' ? 'r_by_staff' : 'r_groups_category');
		$('chart-groups').replaceChildren(rep.by === 'day' ? dayChart(rep.groups.map((g) => [g.key, g.orders]))
			: barChart(rep.groups.map((g) => [groupName(rep.by, g), g.orders, g.key === null ? 'none' : g.key]), rep.by));
		$('r-groups').replaceChildren(groupTable(rep));
	}

	async function loadReport(e) {
		if (e) e.preventDefault();
		const q = new URLSearchParams();
		for (const [k, v] of new FormData($('report-form')).entries()) if (v) q.set(k, v);
		const r = await api('GET', `/api/report${q.toString() ? `?${q}` : ''}`);
		if (r.status !== 200) { toast(r.data.error || t('failed', r.status), true); return; }
		state.report = r.data.report;
		renderReport(state.report);
	}

	// ---- wiring -------------------------------------------------------------------------------------

	async function login(e) {
		e.preventDefault();
		const token = $('token').value.trim();
		const r = await api('POST', '/console/login', { token });
		if (r.status !== 200) {
			$('login-error').textContent = r.data.error || t('failed', r.status);
			return;
		}
		$('login-error').textContent = '';
		$('token').value = '';
		state.csrf = r.data.csrf;
		await start();
	}

	async function logout() {
		await api('POST', '/console/logout');
		state.csrf = '';
		showLogin();
	}

	function switchTab(tab) {
		show(tab);
		if (tab === 'report') loadReport();
		if (tab === 'board') loadBoard();
	}

	function setLang(lang) {
		state.lang = lang;
		try { localStorage.setItem('console-lang', lang); } catch (e) { /* private mode */ }
		applyI18n();
		if (state.me) {
			fillFilters();
			loadBoard();
			if (state.open && !$('detail').hidden) openOrder(state.open, true);
			if (document.body.dataset.view === 'report' && state.report) renderReport(state.report);
		}
	}

	async function main() {
		$('login-form').addEventListener('submit', login);
		$('logout').addEventListener('click', logout);
		$('lang').addEventListener('click', () => setLang(state.lang === 'en' ? 'zh' : 'en'));
		for (const b of document.querySelectorAll('[data-tab]')) b.addEventListener('click', () => switchTab(b.dataset.tab));
		$('filters').addEventListener('change', () => { state.offset = 0; loadBoard(); });
		$('filters').addEventListener('reset', () => setTimeout(() => { state.offset = 0; loadBoard(); }, 0));
		$('prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); loadBoard(); });
		$('next').addEventListener('click', () => { state.offset += PAGE; loadBoard(); });
		$('close-detail').addEventListener('click', () => {
			$('detail').hidden = true;
			state.open = null;
			delete document.body.dataset.detail;
			for (const li of document.querySelectorAll('.order.on')) li.classList.remove('on');
		});
		$('desk-form').addEventListener('submit', desk);
		$('report-form').addEventListener('submit', loadReport);
		$('report-form').addEventListener('change', () => loadReport());

		let saved = null;
		try { saved = localStorage.getItem('console-lang'); } catch (e) { /* private mode */ }
		const r = await api('GET', '/console/session');
		state.lang = saved || r.data.lang || 'zh';
		state.langSet = true;
		applyI18n();
		if (r.status === 200) {
			state.csrf = r.data.csrf;
			await start();
		} else {
			showLogin();
		}
	}

	main();
})();
