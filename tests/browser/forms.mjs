// Browser test of the printable forms page (`concierge orders form N --html`,
// the page the console serves): opened from a file in Chromium, it loads
// nothing from anywhere else, and printed on A4 it makes one page per form.
//
//   FORMS_HTML=/tmp/forms.html OUT_DIR=/tmp/shots node tests/browser/forms.mjs
//
// Prints "N passed, M failed"; saves forms.png and forms.pdf in OUT_DIR.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const HTML = process.env.FORMS_HTML;
const OUT_DIR = process.env.OUT_DIR || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WANT_FORMS = Number(process.env.WANT_FORMS || 3);

let passed = 0;
let failed = 0;
function check(ok, what) {
	if (ok) {
		passed += 1;
	} else {
		failed += 1;
		console.log(`FAIL: ${what}`);
	}
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
	const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
	const elsewhere = [];
	page.on('request', (r) => {
		if (!r.url().startsWith('file:')) elsewhere.push(r.url());
	});
	await page.goto(pathToFileURL(HTML).href);
	check(elsewhere.length === 0, `requests to elsewhere: ${elsewhere.join(' ')}`);
	const titles = await page.locator('section.form h1').allTextContents();
	check(titles.length === WANT_FORMS, `forms on the page: ${titles.join(', ')}`);
	// On screen each form is a sheet 210 mm wide (793.7 px at 96 dpi).
	const width = await page.locator('section.form').first().evaluate((e) => e.getBoundingClientRect().width);
	check(Math.abs(width - 793.7) < 2, `a sheet is ${width}px wide, not A4`);
	await page.screenshot({ path: path.join(OUT_DIR, 'forms.png'), fullPage: true });
	// Printed: the page's own @page rule sets A4, and each form is one page.
	await page.emulateMedia({ media: 'print' });
	const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
	fs.writeFileSync(path.join(OUT_DIR, 'forms.pdf'), pdf);
	const text = pdf.toString('latin1');
	const pages = (text.match(/\/Type\s*\/Page[^s]/g) || []).length;
	check(pages === WANT_FORMS, `printed ${pages} pages for ${WANT_FORMS} forms`);
	const box = text.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
	// A4 is 595 x 842 points.
	check(box && Math.abs(Number(box[1]) - 595) < 2 && Math.abs(Number(box[2]) - 842) < 2,
		`page size ${box ? box[1] + 'x' + box[2] : '?'} is not A4`);
} finally {
	await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
