// Screenshots of the running demo (make run) for the README, in Chromium:
// the wizard with its preview, the run it makes, and page 1 of the
// Reimbursement report printed from the run; then the run and the report
// again in Norwegian Bokmål, with the settings of small, dormant credits;
// then the monthly routine of the Norwegian company (a proposal, its proof,
// the run approved by a second accountant, its payment order and the run
// paid by bank file) and the e-mails the customers get, in English and
// Norwegian.
//
//   node tools/screenshots.mjs [base URL] [output folder]
//
// The run reimburses the demo customers: take the screenshots on a fresh
// `make run`. tools/dev.sh screenshots installs playwright-core and calls this.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

// playwright-core lives in .odoo/node (tools/dev.sh installs it), not in the repo.
const require = createRequire(path.resolve(process.env.NODE_TOOLS || ".odoo/node", "package.json"));
const { chromium } = require("playwright-core");

const base = process.argv[2] || "http://localhost:8069";
const out = process.argv[3] || "docs/screenshots";

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
let page = await login("admin");
// The demo loads Norwegian too: the first pictures are in English.
await setLang(page, "en_US");
await page.reload();
await page.waitForSelector(".o_main_navbar");

// Accounting > Periodic > Reimbursement, from the Invoicing app.
await page.click(".o_navbar_apps_menu button");
await page.click('.o_app[data-menu-xmlid="account.menu_finance"]');
await page.click('.o_main_navbar button[data-menu-xmlid="account.menu_finance_entries"]');
await page.click('[data-menu-xmlid="reimbursement_addon.account_reimbursement_wizard_menu"]');
await page.waitForSelector(".modal button[name=action_preview]");
await page.screenshot({ path: `${out}/wizard.png` });

await page.click(".modal button[name=action_preview]");
await page.waitForSelector(".modal .o_field_widget[name=line_ids] .o_data_row");
// Tall enough for the whole preview: the dialog scrolls inside itself.
await page.setViewportSize({ width: 1440, height: 1400 });
await page.click(".modal .modal-title");
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/wizard_preview.png` });
// One customer unticked: one total of what is made, the unticked line apart.
const firstToggle = ".modal .o_field_widget[name=line_ids] .o_data_row:first-child .o_field_widget[name=selected] input";
await page.click(firstToggle);
await page.waitForSelector(".modal .o_field_widget[name=amount_unselected]");
await page.click(".modal .modal-title");
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/wizard_preview_unticked.png` });
await page.click(firstToggle);
await page.waitForSelector(".modal .o_field_widget[name=amount_unselected]", { state: "hidden" });
await page.setViewportSize({ width: 1440, height: 900 });

await page.click(".modal button[name=action_reimburse]");
await page.waitForSelector('.o_breadcrumb .o_last_breadcrumb_item:has-text("REIMB/")');
await page.waitForSelector(".o_action_manager .o_form_view .o_field_widget[name=line_ids] .o_data_row");
await page.setViewportSize({ width: 1440, height: 1100 });
await settle(page);
await page.screenshot({ path: `${out}/run.png` });

// Print, as the accountant does: the PDF comes from wkhtmltopdf.
await printReport(page, `${out}/report`);

// Reimburse again with nothing left: Odoo's ordinary error dialog.
await page.click('.o_main_navbar button[data-menu-xmlid="account.menu_finance_entries"]');
await page.click('[data-menu-xmlid="reimbursement_addon.account_reimbursement_wizard_menu"]');
await page.waitForSelector(".modal button[name=action_reimburse]");
await page.click(".modal button[name=action_reimburse]");
await page.waitForSelector('.modal .modal-title:has-text("Invalid Operation")');
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/nothing_to_reimburse.png` });
// Escape closes the error dialog, then the wizard.
await page.keyboard.press("Escape");
await page.waitForSelector('.modal .modal-title:has-text("Invalid Operation")', { state: "detached" });
await page.keyboard.press("Escape");
await page.waitForSelector(".modal button[name=action_reimburse]", { state: "detached" });

// The same run, and its report, in Norwegian Bokmål.
await setLang(page, "nb_NO");
await page.reload();
await page.waitForSelector(".o_action_manager .o_form_view .o_field_widget[name=line_ids] .o_data_row");
await settle(page);
await page.screenshot({ path: `${out}/run_nb.png` });
await printReport(page, `${out}/report_nb`);
// The company's settings of small, dormant credits, in Norwegian.
await page.goto(`${base}/odoo/settings#account`);
// Its own pane: the setting box is as tall as its neighbour in the row.
const writeOffSetting = page.locator("#reimbursement_writeoff_setting .o_setting_right_pane");
await writeOffSetting.scrollIntoViewIfNeeded();
await settle(page);
await writeOffSetting.screenshot({ path: `${out}/writeoff_settings_nb.png` });

// The monthly routine in Norwegian, in Nordlys Handel AS, with four eyes:
// Kari Nordmann proposes the run and prints its proof...
page = await login("regnskap");
await page.click(".o_navbar_apps_menu button");
await page.click('.o_app[data-menu-xmlid="account.menu_finance"]');
await page.click('.o_main_navbar button[data-menu-xmlid="account.menu_finance_entries"]');
await page.click('[data-menu-xmlid="reimbursement_addon.account_reimbursement_wizard_menu"]');
await page.click(".modal button[name=action_reimburse]");
await page.waitForSelector(".o_action_manager .o_form_view .o_field_widget[name=line_ids] .o_data_row");
await settle(page);
await page.screenshot({ path: `${out}/proposal_nb.png` });
await printReport(page, `${out}/proof_nb`);

// ... and Ola Nordmann opens it from his activity, approves and posts it.
page = await login("regnskapssjef");
await page.click(".o_menu_systray .o-mail-ActivityMenu-counter");
await page.click(".o-mail-ActivityGroup");
await page.click(".o_data_row td[name=name]");
await page.click(".o_form_view .o_statusbar_buttons button[name=action_post]");
await page.click(".modal-footer button.btn-primary");
await page.waitForSelector(".o_form_view .o_field_widget[name=approved_by_id]");
await settle(page);
await page.screenshot({ path: `${out}/approved_nb.png` });

// ... then pays it by bank file: the run's bills in a payment order, the
// bill of the untrusted account left out and named, OCA's credit transfer
// file generated and uploaded, and the run with its bills paid.
await page.click(".o_form_view .o_statusbar_buttons button[name=action_create_payment_order]");
await page.waitForSelector(".o_form_view .o_field_widget[name=payment_line_ids] .o_data_row");
await page.waitForSelector(".o_notification");
await settle(page);
await page.screenshot({ path: `${out}/payment_order_nb.png` });
await page.click(".o_notification .o_notification_close");
await page.click(".o_form_view .o_statusbar_buttons button[name=draft2open]");
await page.click(".o_form_view .o_statusbar_buttons button[name=open2generated]");
await page.waitForSelector(".o_form_view .o_field_widget[name=datas] a.o_form_uri");
await page.click('.o_breadcrumb .breadcrumb-item a:has-text("PAY")');
await page.click(".o_form_view .o_statusbar_buttons button[name=generated2uploaded]");
await page.waitForSelector(".o_form_view .o_statusbar_buttons button[name=action_uploaded_cancel]");
await page.click('.o_breadcrumb .breadcrumb-item a:has-text("REIMB")');
await page.waitForSelector(".o-mail-Message:has-text('PAY')");
await settle(page);
await page.screenshot({ path: `${out}/run_paid_nb.png` });

// The remittance advice the customers get by e-mail, as queued in Odoo's
// mail queue: an English customer of the first run, a Norwegian one of this,
// and the same Norwegian customer's payment advice once the file is uploaded.
page = await login("admin");
for (const [customer, subject, png] of [
    ["Oslo Design Studio AS", "reimbursement of your credit balance", "advice.png"],
    ["Trondheim Trykk AS", "tilbakebetaling av deres kreditsaldo", "advice_nb.png"],
    ["Trondheim Trykk AS", "tilbakebetalingen er på vei", "payment_advice_nb.png"],
]) {
    const [mail] = await rpc(page, "mail.mail", "search_read", [
        [
            ["model", "=", "account.reimbursement.line"],
            ["body_html", "ilike", customer],
            ["subject", "ilike", subject],
        ],
        ["subject", "email_from", "body_html"],
    ]);
    if (!mail) {
        throw new Error(`no e-mail "${subject}" was queued for ${customer}`);
    }
    const mailPage = await browser.newPage({ viewport: { width: 900, height: 300 } });
    await mailPage.setContent(
        `<div style="font-family: sans-serif; margin: 24px"><p><b>From:</b> ${escapeHtml(mail.email_from)}<br>` +
            `<b>To:</b> ${escapeHtml(customer)}<br><b>Subject:</b> ${escapeHtml(mail.subject)}</p><hr>` +
            `${mail.body_html}</div>`
    );
    await mailPage.screenshot({ path: `${out}/${png}`, fullPage: true });
    await mailPage.close();
}

await browser.close();
console.log(
    `screenshots written to ${out}: wizard.png wizard_preview.png wizard_preview_unticked.png run.png nothing_to_reimburse.png report.png run_nb.png report_nb.png ` +
        "writeoff_settings_nb.png " +
        "proposal_nb.png proof_nb.png approved_nb.png payment_order_nb.png run_paid_nb.png advice.png advice_nb.png " +
        "payment_advice_nb.png"
);

// A page of a new browser session (the login page of a browser that knows
// a user offers to pick one instead), logged in as ``user``.
async function login(user) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    await page.goto(`${base}/web/login`);
    await page.fill("input[name=login]", user);
    await page.fill("input[name=password]", user);
    await page.click("button[type=submit]");
    await page.waitForSelector(".o_main_navbar");
    return page;
}

// No tooltip, no animation in the picture.
async function settle(page) {
    await page.mouse.move(0, 1000);
    await page.waitForTimeout(1000);
}

function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// Print from the run form, as the accountant does (the PDF comes from
// wkhtmltopdf), and keep page 1 as a PNG.
async function printReport(page, pngBase) {
    const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(".o_form_view .o_statusbar_buttons button[name=action_print]"),
    ]);
    const pdf = path.join(os.tmpdir(), "reimbursement_report.pdf");
    await download.saveAs(pdf);
    execFileSync("pdftoppm", ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, pngBase]);
}

async function setLang(page, lang) {
    await rpc(page, "res.users", "write", [[2], { lang }]);
}

async function rpc(page, model, method, args) {
    return page.evaluate(
        async ({ model, method, args }) => {
            const response = await fetch(`/web/dataset/call_kw/${model}/${method}`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { model, method, args, kwargs: {} } }),
            });
            const { result, error } = await response.json();
            if (error) {
                throw new Error(`${model}.${method} failed: ${error.data.message}`);
            }
            return result;
        },
        { model, method, args }
    );
}
