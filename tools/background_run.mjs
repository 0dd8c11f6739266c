// A large run started from the browser, as an accountant starts it, on the
// grown demo (make run DEMO_CUSTOMERS=10000): Accounting > Periodic >
// Reimbursement, every customer, Reimburse; the run opens while it is
// posted in the background; its progress bar moves (the page reloaded as
// the accountant would); the notification says when it is done. Prints the
// timings and takes the README screenshots of it.
//
//   node tools/background_run.mjs [base URL] [output folder]
//
// tools/dev.sh screenshots-background installs playwright-core and calls this.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.resolve(process.env.NODE_TOOLS || ".odoo/node", "package.json"));
const { chromium } = require("playwright-core");

const base = process.argv[2] || "http://localhost:8069";
const out = process.argv[3] || "docs/screenshots";

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
page.setDefaultTimeout(120000);

await page.goto(`${base}/web/login`);
await page.fill("input[name=login]", "admin");
await page.fill("input[name=password]", "admin");
await page.click("button[type=submit]");
await page.waitForSelector(".o_main_navbar");

await page.click(".o_navbar_apps_menu button");
await page.click('.o_app[data-menu-xmlid="account.menu_finance"]');
await page.click('.o_main_navbar button[data-menu-xmlid="account.menu_finance_entries"]');
await page.click('[data-menu-xmlid="reimbursement_addon.account_reimbursement_wizard_menu"]');
await page.waitForSelector(".modal button[name=action_reimburse]");
// Customers with open invoices too, their invoices settled first.
await page.click(".modal div[name=include_debit_customers] input");

const started = Date.now();
await page.click(".modal button[name=action_reimburse]");
await page.waitForSelector('.o_breadcrumb .o_last_breadcrumb_item:has-text("REIMB/")');
await page.waitForSelector(".o_form_view .o_statusbar_status button.o_arrow_button_current");
const requestSeconds = (Date.now() - started) / 1000;
const state = await page.textContent(".o_form_view .o_statusbar_status button.o_arrow_button_current");
const total = await page.textContent(".o_form_view div[name=customer_count]");
console.log(`background_run: the request returned in ${requestSeconds.toFixed(1)}s, run ${state.trim()}, ${total.trim()} customers`);

// The accountant reloads the run now and then: the progress bar moves.
let progress = "";
let pictured = false;
while (!(await page.$(".o_notification:has-text('Reimbursement posted')"))) {
    await page.waitForTimeout(15000);
    if (await page.$(".o_notification:has-text('Reimbursement posted')")) {
        break;
    }
    await page.reload();
    await page.waitForSelector(".o_form_view .o_statusbar_status button.o_arrow_button_current");
    const bar = await page.$(".o_form_view div[name=progress_done]");
    if (!bar) {
        break; // posted between two looks
    }
    progress = (await bar.textContent()).trim();
    console.log(`background_run: after ${((Date.now() - started) / 1000).toFixed(0)}s, ${progress} posted or skipped`);
    if (!pictured) {
        await page.mouse.move(0, 990);
        await page.screenshot({ path: `${out}/background_progress.png` });
        pictured = true;
    }
}
await page.waitForSelector(".o_notification:has-text('Reimbursement posted')");
const doneSeconds = (Date.now() - started) / 1000;
const message = await page.textContent(".o_notification:has-text('Reimbursement posted')");
// The notification's button opens the run, now done.
await page.click(".o_notification:has-text('Reimbursement posted') button:has-text('Open')");
await page.waitForSelector(".o_list_view .o_data_row");
await page.click(".o_list_view .o_data_row td.o_data_cell");
await page.waitForSelector(".o_form_view .o_statusbar_status button.o_arrow_button_current:has-text('Done')");
await page.mouse.move(0, 990);
await page.screenshot({ path: `${out}/background_done.png` });
console.log(`background_run: done ${doneSeconds.toFixed(0)}s after the click: ${message.trim()}`);
await browser.close();
