// Browser test of the resident web chat page: files a repair order through
// the real bot the way a resident on a phone would, then reloads the page and
// checks that the server's history brings the conversation back.
//
//   BASE_URL=http://127.0.0.1:PORT OUT_DIR=/tmp/shots node tests/browser/webchat.mjs
//
// Uses the system Chromium through playwright-core (no browser download).
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const OUT_DIR = process.env.OUT_DIR || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = Number(process.env.STEP_TIMEOUT_MS || 15000);
const ORDER_RE = /\d{6}-\d{3,}/;

const BOT = '[data-testid="msg-bot"]';
const ME = '[data-testid="msg-me"]';
const INPUTS = ['厨房水管漏水', '3-2-501', '李伟', '13800138000', '今天下午3点'];

let stepNo = 0;
let failPage = null; // screenshotted when a step fails
function step(text) {
	stepNo += 1;
	console.log(`step ${stepNo}: ${text}`);
}

function botCount(page) {
	return page.locator(BOT).count();
}

// Waits until the bot has said more than `before` messages and then stayed
// quiet for a moment, so a reply sent as two messages is read as one turn.
async function waitBotReply(page, before) {
	await page.waitForFunction(
		([sel, n]) => document.querySelectorAll(sel).length > n,
		[BOT, before],
		{ timeout: STEP_MS },
	);
	let n = await botCount(page);
	for (;;) {
		await page.waitForTimeout(400);
		const m = await botCount(page);
		if (m === n) return m;
		n = m;
	}
}

// The newest message of mine must be acknowledged by the server.
async function waitDelivered(page) {
	await page.waitForFunction(
		(sel) => {
			const all = document.querySelectorAll(sel);
			const last = all[all.length - 1];
			return last && last.dataset.state === 'sent';
		},
		ME,
		{ timeout: STEP_MS },
	);
}

async function lastBotText(page) {
	return (await page.locator(BOT).last().locator('[data-testid="msg-text"]').textContent()) || '';
}

async function run(browser) {
	const context = await browser.newContext({
		locale: 'zh-CN',
		viewport: { width: 390, height: 844 },
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
		colorScheme: 'light',
	});
	const page = await context.newPage();
	failPage = page;
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(e));
	page.setDefaultTimeout(STEP_MS);

	step(`open ${BASE_URL}/ and wait for the welcome`);
	await page.goto(`${BASE_URL}/`, { waitUntil: 'domcontentloaded' });
	await page.locator('body[data-conn="online"]').waitFor({ state: 'attached' });
	// An empty conversation shows the big chips; one with history (a
	// server that greets first) keeps the same actions above the composer.
	let chip = page.getByTestId('chip-repair');
	if (!(await chip.isVisible())) chip = page.getByTestId('quick-repair');
	await chip.waitFor({ state: 'visible' });
	const title = (await page.getByTestId('title').textContent()) || '';
	console.log(`  header: ${title.trim()}`);

	step('tap the 报修 chip');
	let bots = await botCount(page);
	await chip.click();
	await waitDelivered(page);
	bots = await waitBotReply(page, bots);
	console.log(`  bot: ${(await lastBotText(page)).split('\n')[0]}`);

	for (const text of INPUTS) {
		step(`answer ${text}`);
		const composer = page.getByTestId('composer');
		await composer.fill(text);
		await composer.press('Enter');
		await page.locator(ME).filter({ hasText: text }).last().waitFor();
		await waitDelivered(page);
		bots = await waitBotReply(page, bots);
		console.log(`  bot: ${(await lastBotText(page)).split('\n')[0]}`);
	}

	step('confirm the summary with the "yes" button');
	const YES = '[data-testid="btn"][data-data="yes"]';
	const summary = page.locator(BOT).filter({ has: page.locator(YES) }).last();
	await summary.waitFor();
	// Pinned: after the click the summary is no longer the newest message.
	const summaryAt = await summary.evaluate((n, sel) => [...document.querySelectorAll(sel)].indexOf(n), BOT);
	const yes = page.locator(BOT).nth(summaryAt).locator(YES);
	if (!(await yes.isEnabled())) throw new Error('the "yes" button under the summary is disabled');
	await yes.click();
	await waitDelivered(page);
	const filedHandle = await page.waitForFunction(
		([sel, from, re]) => [...document.querySelectorAll(sel)].slice(from + 1)
			.map((n) => n.textContent).find((t) => new RegExp(re).test(t)),
		[BOT, summaryAt, ORDER_RE.source],
		{ timeout: STEP_MS },
	);
	const order = ORDER_RE.exec(await filedHandle.jsonValue())[0];
	console.log(`  order number: ${order}`);
	if (!(await yes.isDisabled())) throw new Error('buttons stay active after one was pressed');

	step('send a photo with the camera button');
	const input = page.getByTestId('photo-input');
	if ((await input.getAttribute('accept')) !== 'image/*') throw new Error('the photo input does not offer the camera (accept="image/*")');
	await page.getByTestId('photo').waitFor();
	// A valid 1x1 PNG, as a phone's camera would hand it over.
	const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
	const beforePhoto = await botCount(page);
	await input.setInputFiles({ name: 'leak.png', mimeType: 'image/png', buffer: png });
	await page.locator(ME).filter({ hasText: '[照片]' }).last().waitFor();
	await waitBotReply(page, beforePhoto);
	await waitDelivered(page);
	if (!(await lastBotText(page)).includes(order)) throw new Error(`the photo was not added to ${order}: ${await lastBotText(page)}`);

	step('screenshot webchat-filed.png');
	await page.screenshot({ path: path.join(OUT_DIR, 'webchat-filed.png') });

	step('reload and check the history');
	await page.reload({ waitUntil: 'domcontentloaded' });
	await page.locator(ME).filter({ hasText: INPUTS[0] }).first().waitFor();
	await page.locator(BOT).filter({ hasText: order }).first().waitFor();
	if (await page.getByTestId('empty').isVisible()) throw new Error('the greeting is shown over a non-empty history');

	step('screenshot webchat-reloaded.png');
	await page.screenshot({ path: path.join(OUT_DIR, 'webchat-reloaded.png') });

	if (pageErrors.length) throw new Error(`script error on the page: ${pageErrors[0].message}`);
	await context.close();
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
		await run(browser);
		console.log('webchat: filed a repair order and found it again after a reload');
		console.log('1 passed, 0 failed');
	} catch (e) {
		console.log(`error: ${e && e.stack ? e.stack : e}`);
		if (failPage) await failPage.screenshot({ path: path.join(OUT_DIR, 'webchat-failure.png') }).catch(() => {});
		console.log('0 passed, 1 failed');
		process.exitCode = 1;
	} finally {
		if (browser) await browser.close().catch(() => {});
	}
}

await main();
