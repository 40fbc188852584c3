// Browser test of the staff console: a supervisor logs in, a resident files a
// repair request through the generic signed webhook (as an app would) and
// the order appears on the board without a reload; the supervisor assigns it
// to 王师傅 from the order's detail, opens the report (its figures and charts
// must be the API's, which are `concierge report --json`'s), and opens (and
// prints to PDF) the 派工单. With PHOTO_ORDER, the number of an order that has
// a photo, it opens that order and sees the picture. Then in English (an
// action answers in English) and on a phone. Screenshots go to OUT_DIR.
//
//   BASE_URL=http://127.0.0.1:PORT GENERIC_SECRET=s3cret OUT_DIR=/tmp/shots [PHOTO_ORDER=N] node tests/browser/console.mjs
//
// Uses the system Chromium through playwright-core (no browser download).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SECRET = process.env.GENERIC_SECRET || 's3cret';
const OUT_DIR = process.env.OUT_DIR || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = Number(process.env.STEP_TIMEOUT_MS || 15000);
const TOKEN = process.env.CONSOLE_TOKEN || 'demo-zhao-token-8265';
const INTAKE = ['/repair', '厨房水管漏水', '3-2-501', '李伟', '13800138000', '今天下午3点', 'yes'];
const PHOTO_ORDER = process.env.PHOTO_ORDER || '';

let stepNo = 0;
let failPage = null;
function step(text) {
	stepNo += 1;
	console.log(`step ${stepNo}: ${text}`);
}

function shot(page, name) {
	return page.screenshot({ path: path.join(OUT_DIR, name), fullPage: true });
}

// One message of the resident, as the app posts it: signed with the shared secret.
let seq = 0;
async function residentSays(text) {
	seq += 1;
	const body = JSON.stringify({ id: `console-test-${process.pid}-${seq}`, user: 'app-user-7', chat: 'app-user-7', text });
	const sig = crypto.createHmac('sha256', SECRET).update(body).digest('hex');
	const res = await fetch(`${BASE_URL}/hooks/generic`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', 'X-Concierge-Signature': `sha256=${sig}` },
		body,
	});
	if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to ${text}: ${await res.text()}`);
}

async function logIn(page) {
	await page.goto(`${BASE_URL}/console`, { waitUntil: 'domcontentloaded' });
	await page.locator('body[data-view="login"]').waitFor({ state: 'attached' });
	await page.getByTestId('token').fill('not-a-token');
	await page.getByTestId('login-submit').click();
	await page.getByTestId('login-error').filter({ hasText: /\S/ }).waitFor();
	await page.getByTestId('token').fill(TOKEN);
	await page.getByTestId('login-submit').click();
	await page.locator('body[data-view="board"]').waitFor({ state: 'attached' });
	await page.locator('body[data-live="on"]').waitFor({ state: 'attached' });
	await page.locator('#orders[data-loaded="yes"]').waitFor({ state: 'attached' });
}

async function run(browser) {
	const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
	const page = await context.newPage();
	failPage = page;
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(e));
	page.setDefaultTimeout(STEP_MS);
	let loads = 0;
	page.on('load', () => { loads += 1; });

	step(`open ${BASE_URL}/console, refuse a wrong token, log in as the supervisor`);
	await logIn(page);
	const me = (await page.getByTestId('me').textContent()) || '';
	if (!me.includes('赵主管')) throw new Error(`logged in as "${me}", expected 赵主管`);
	const tab = (await page.getByTestId('tab-board').textContent()) || '';
	if (tab !== '工单') throw new Error(`the page is not in Chinese (Accept-Language zh-CN): tab "${tab}"`);
	const before = await page.getByTestId('order').count();
	const loadsBefore = loads;

	step('a resident files a repair request through the generic webhook');
	for (const text of INTAKE) await residentSays(text);

	step('the new order appears on the board without a reload');
	const item = page.locator('[data-testid="order"].fresh').first();
	await item.waitFor();
	const number = await item.getAttribute('data-number');
	console.log(`  order number: ${number}`);
	if ((await page.getByTestId('order').count()) !== before + 1) throw new Error('the board does not show exactly one new order');
	if (loads !== loadsBefore) throw new Error('the page was reloaded');
	if ((await item.getByTestId('order-status').textContent()) !== '待接单') throw new Error('the new order is not pending');

	step('open the order: its history and the chat with the resident');
	await item.click();
	await page.getByTestId('detail-number').filter({ hasText: number }).waitFor();
	await page.getByTestId('chat').filter({ hasText: '厨房水管漏水' }).waitFor();
	await page.getByTestId('timeline').locator('li[data-action="created"]').waitFor();
	if ((await page.getByTestId('detail-phone').textContent()) !== '13800138000') throw new Error('the detail lacks the phone');

	step('assign it to 王师傅 from the console');
	await page.getByTestId('act-assign').click();
	await page.getByTestId('action-assign-staff').selectOption('wang');
	await page.getByTestId('action-assign-submit').click();
	await page.getByTestId('toast').filter({ hasText: '已派给王师傅' }).waitFor();
	await page.getByTestId('detail-status').filter({ hasText: '已接单' }).waitFor();
	await page.getByTestId('timeline').locator('li[data-action="assigned"]').waitFor();
	await page.locator(`[data-testid="order"][data-number="${number}"] [data-testid="order-assignee"]`).filter({ hasText: '王师傅' }).waitFor();

	step('leave a note; filter the board');
	await page.getByTestId('act-note').click();
	await page.getByTestId('action-note-text').fill('已电话确认在家');
	await page.getByTestId('action-note-submit').click();
	await page.getByTestId('timeline').locator('li[data-action="note"]').filter({ hasText: '已电话确认在家' }).waitFor();
	await page.getByTestId('f-status').selectOption('closed');
	await page.getByTestId('total').filter({ hasText: '共 0 单' }).waitFor();
	await page.getByTestId('f-status').selectOption('assigned');
	await page.locator(`[data-testid="order"][data-number="${number}"]`).waitFor();
	await page.screenshot({ path: path.join(OUT_DIR, 'console-board.png') });

	step('the report: figures and charts, the same as the API\'s');
	// What the page fetched itself, asked again with the page's session.
	const apiReport = (query) => page.evaluate(async (q) => {
		const res = await fetch(`/api/report${q}`, { credentials: 'same-origin' });
		return (await res.json()).report;
	}, query);
	await page.getByTestId('tab-report').click();
	const bar = page.locator('[data-testid="chart-category"] [data-testid="bar"][data-key="repair"]');
	await bar.waitFor();
	const rep = await apiReport('');
	const totals = rep.totals;
	if (totals.by_category.repair < 1 || totals.by_status.assigned < 1) throw new Error(`the API's report misses the order: ${JSON.stringify(totals)}`);
	for (const c of Object.keys(totals.by_category)) {
		const v = await page.locator(`[data-testid="chart-category"] [data-testid="bar"][data-key="${c}"]`).getAttribute('data-value');
		if (Number(v) !== totals.by_category[c]) throw new Error(`the category chart shows ${c} ${v}, the API ${totals.by_category[c]}`);
	}
	for (const st of Object.keys(totals.by_status)) {
		const v = await page.locator(`[data-testid="chart-status"] [data-testid="bar"][data-key="${st}"]`).getAttribute('data-value');
		if (Number(v) !== totals.by_status[st]) throw new Error(`the status chart shows ${st} ${v}, the API ${totals.by_status[st]}`);
	}
	if (Number(await bar.getAttribute('width')) <= 0) throw new Error('the repair bar is not drawn');
	await page.getByTestId('r-total').filter({ hasText: `共 ${totals.orders} 单` }).waitFor();
	// The figure cards: the response time of the assignment just made, the on-time rate.
	const median = await page.getByTestId('fig-response').getAttribute('data-value');
	if (Number(median) !== totals.response_time.median_seconds) throw new Error(`the response card says ${median}, the API ${totals.response_time.median_seconds}`);
	const responseText = (await page.getByTestId('fig-response-text').textContent()) || '';
	if (!/^\d+(秒|分钟)$|小时/.test(responseText)) throw new Error(`the response time reads "${responseText}"`);
	const onTime = await page.getByTestId('fig-on-time').getAttribute('data-value');
	if (String(onTime) !== String(totals.on_time.response.rate ?? '')) throw new Error(`the on-time card says ${onTime}, the API ${totals.on_time.response.rate}`);
	for (const key of ['completion', 'satisfaction', 'fees', 'rework', 'complaints', 'emergencies', 'declined']) await page.getByTestId(`fig-${key}`).waitFor();
	await shot(page, 'console-report.png');

	step('the report by day: a column for today');
	await page.getByTestId('r-by').selectOption('day');
	const col = page.locator('[data-testid="chart-groups"] [data-testid="col"]').last();
	await col.waitFor();
	const byDay = await apiReport('?by=day');
	const last = byDay.groups[byDay.groups.length - 1];
	if ((await col.getAttribute('data-key')) !== last.key || Number(await col.getAttribute('data-value')) !== last.orders) {
		throw new Error(`the day chart ends with ${await col.getAttribute('data-key')} ${await col.getAttribute('data-value')}, the API with ${last.key} ${last.orders}`);
	}
	if (last.orders < 1 || Number(await col.getAttribute('height')) <= 0) throw new Error('today has no column');
	await page.locator('[data-testid="r-group"]').first().waitFor();
	await shot(page, 'console-report-day.png');

	step('open and print the 派工单');
	await page.getByTestId('tab-board').click();
	await page.locator(`[data-testid="order"][data-number="${number}"]`).click();
	for (const f of ['register', 'dispatch', 'feedback']) await page.getByTestId(`form-${f}`).waitFor();
	const [form] = await Promise.all([context.waitForEvent('page'), page.getByTestId('form-dispatch').click()]);
	const elsewhere = [];
	form.on('request', (r) => { if (!r.url().startsWith(BASE_URL)) elsewhere.push(r.url()); });
	await form.waitForLoadState('load');
	const titles = await form.locator('section.form h1').allTextContents();
	if (titles.join() !== '便民服务派工单') throw new Error(`the page has the forms "${titles.join()}", expected the 派工单 alone`);
	const fields = await form.evaluate(() => Object.fromEntries([...document.querySelectorAll('section.form tr')]
		.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])));
	for (const [label, want] of [['服务人员', '王师傅'], ['房号', '3-2-501'], ['业主姓名', '李伟'], ['联系电话', '13800138000'],
		['服务内容', '厨房水管漏水'], ['派工方式', '赵主管']]) {
		if (!(label in fields)) throw new Error(`the 派工单 has no field ${label}: ${Object.keys(fields).join(', ')}`);
		if (!fields[label].includes(want)) throw new Error(`the 派工单's ${label} is "${fields[label]}", expected "${want}"`);
	}
	if (!/^\d{4}-\d\d-\d\d \d\d:\d\d/.test(fields['派工时间'] || '')) throw new Error(`the 派工单's 派工时间 is "${fields['派工时间']}"`);
	const no = (await form.locator('section.form .no').textContent()) || '';
	if (!no.includes(number)) throw new Error(`the 派工单 is numbered "${no}"`);
	// Its own style sheet applies (allowed by the page's policy): a sheet of A4, 210 mm wide.
	const width = await form.locator('section.form').evaluate((e) => e.getBoundingClientRect().width);
	if (Math.abs(width - 793.7) > 2) throw new Error(`the 派工单 is ${width}px wide, not A4: its style sheet did not apply`);
	if (elsewhere.length) throw new Error(`the form fetched from elsewhere: ${elsewhere.join(' ')}`);
	await form.screenshot({ path: path.join(OUT_DIR, 'console-form.png'), fullPage: true });
	await form.emulateMedia({ media: 'print' });
	await form.pdf({ path: path.join(OUT_DIR, 'console-form.pdf'), preferCSSPageSize: true, printBackground: true });
	await form.close();

	if (PHOTO_ORDER) {
		step(`the photo of ${PHOTO_ORDER}, shown in its detail`);
		await page.getByTestId('f-status').selectOption('');
		await page.locator(`[data-testid="order"][data-number="${PHOTO_ORDER}"]`).click();
		await page.getByTestId('detail-number').filter({ hasText: PHOTO_ORDER }).waitFor();
		const img = page.locator('[data-testid="photos"] [data-testid="photo"]').first();
		await img.waitFor();
		await page.waitForFunction((n) => n.complete, await img.elementHandle());
		const size = await img.evaluate((n) => [n.naturalWidth, n.naturalHeight]);
		if (size[0] !== 1 || size[1] !== 1) throw new Error(`the photo did not load (${size})`);
		await page.screenshot({ path: path.join(OUT_DIR, 'console-photo.png') });
		await page.locator(`[data-testid="order"][data-number="${number}"]`).click();
		await page.getByTestId('detail-number').filter({ hasText: number }).waitFor();
	}

	step('switch to English: the page, and the answer to an action');
	await page.getByTestId('lang').click();
	await page.getByTestId('tab-board').filter({ hasText: 'Orders' }).waitFor();
	await page.getByTestId('detail-status').filter({ hasText: 'assigned' }).waitFor();
	await page.getByTestId('act-note').click();
	await page.getByTestId('action-note-text').fill('resident called back');
	await page.getByTestId('action-note-submit').click();
	await page.getByTestId('toast').filter({ hasText: `Note added to order ${number}` }).waitFor();
	await page.getByTestId('tab-report').click();
	await page.getByTestId('fig-response').filter({ hasText: 'Response time (median)' }).waitFor();
	await page.getByTestId('tab-board').click();

	if (pageErrors.length) throw new Error(`script error on the page: ${pageErrors[0].message}`);
	await context.close();

	step('on a phone: the board, then the order over it');
	const phone = await browser.newContext({
		locale: 'en-US', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
	});
	const p2 = await phone.newPage();
	failPage = p2;
	p2.setDefaultTimeout(STEP_MS);
	p2.on('pageerror', (e) => pageErrors.push(e));
	await logIn(p2);
	if ((await p2.getByTestId('tab-board').textContent()) !== 'Orders') throw new Error('the page did not follow Accept-Language en');
	const row = p2.locator(`[data-testid="order"][data-number="${number}"]`);
	await row.waitFor();
	const box = await row.boundingBox();
	if (!box || box.width > 390) throw new Error('the board is wider than the phone');
	await shot(p2, 'console-phone-board.png');
	await row.click();
	await p2.getByTestId('detail-number').waitFor();
	await p2.screenshot({ path: path.join(OUT_DIR, 'console-phone-order.png') });
	if (pageErrors.length) throw new Error(`script error on the page: ${pageErrors[0].message}`);
	await phone.close();
	return number;
}

async function main() {
	fs.mkdirSync(OUT_DIR, { recursive: true });
	let browser;
	try {
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		const number = await run(browser);
		console.log(`console: ${number} appeared live, was assigned, reported and printed`);
		console.log('1 passed, 0 failed');
	} catch (e) {
		console.log(`error: ${e && e.stack ? e.stack : e}`);
		if (failPage) await failPage.screenshot({ path: path.join(OUT_DIR, 'console-failure.png') }).catch(() => {});
		console.log('0 passed, 1 failed');
		process.exitCode = 1;
	} finally {
		if (browser) await browser.close().catch(() => {});
	}
}

await main();
