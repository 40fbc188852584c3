// Browser test of the staff console: a supervisor logs in, a resident files a
// repair request through the generic signed webhook (as an app would) and
// the order appears on the board without a reload; the supervisor assigns it
// to 王师傅 from the order's detail, opens the report and its charts, and
// opens (and prints to PDF) the 派工单. Then the same on a phone, and in
// English. Screenshots go to OUT_DIR.
//
//   BASE_URL=http://127.0.0.1:PORT GENERIC_SECRET=s3cret OUT_DIR=/tmp/shots node tests/browser/console.mjs
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
const TOKEN = process.env.CONSOLE_TOKEN || 'demo-zhao-token';
const INTAKE = ['/repair', '厨房水管漏水', '3-2-501', '李伟', '13800138000', '今天下午3点', 'yes'];

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

	step('the report and its charts');
	await page.getByTestId('tab-report').click();
	const bar = page.locator('[data-testid="chart-category"] [data-testid="bar"][data-key="repair"]');
	await bar.waitFor();
	if ((await bar.getAttribute('data-value')) !== '1') throw new Error('the chart does not count the repair order');
	if (Number(await bar.getAttribute('width')) <= 0) throw new Error('the repair bar is not drawn');
	const assigned = page.locator('[data-testid="chart-status"] [data-testid="bar"][data-key="assigned"]');
	if ((await assigned.getAttribute('data-value')) !== '1') throw new Error('the status chart does not count the assigned order');
	await page.getByTestId('r-total').filter({ hasText: '共 1 单' }).waitFor();
	await shot(page, 'console-report.png');

	step('open and print the 派工单');
	await page.getByTestId('tab-board').click();
	await page.locator(`[data-testid="order"][data-number="${number}"]`).click();
	const [form] = await Promise.all([context.waitForEvent('page'), page.getByTestId('form-link').click()]);
	await form.waitForLoadState('domcontentloaded');
	await form.getByTestId('form-title').waitFor();
	const title = await form.getByTestId('form-title').textContent();
	if (title !== '便民服务派工单') throw new Error(`the form's title is "${title}"`);
	for (const [id, want] of [['form-number', number], ['form-room', '3-2-501'], ['form-assignee', '王师傅'], ['form-phone', '13800138000']]) {
		const got = await form.getByTestId(id).textContent();
		if (got !== want) throw new Error(`the form's ${id} is "${got}", expected "${want}"`);
	}
	await form.screenshot({ path: path.join(OUT_DIR, 'console-form.png'), fullPage: true });
	await form.pdf({ path: path.join(OUT_DIR, 'console-form.pdf'), format: 'A4' });
	await form.close();

	step('switch to English');
	await page.getByTestId('lang').click();
	await page.getByTestId('tab-board').filter({ hasText: 'Orders' }).waitFor();
	await page.getByTestId('detail-status').filter({ hasText: 'assigned' }).waitFor();

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
