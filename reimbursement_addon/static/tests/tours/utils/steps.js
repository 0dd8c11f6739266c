/** @odoo-module */

import { download } from "@web/core/network/download";
import { rpc } from "@web/core/network/rpc";

/**
 * Steps the reimbursement tours share.
 */

/** From the home menu to the Reimbursement wizard: Invoicing > Accounting >
 * Periodic > Reimbursement. (The steps of Odoo's stepUtils.goToAppSteps in
 * Community, whose module moved between 18.0 and 19.0.) */
export function openWizardSteps() {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button:enabled",
            run: "click",
        },
        {
            content: "Open the Invoicing app",
            trigger: '.o_app[data-menu-xmlid="account.menu_finance"]',
            run: "click",
        },
        {
            content: "Open the Accounting menu",
            trigger: '.o_main_navbar [data-menu-xmlid="account.menu_finance_entries"]',
            run: "click",
        },
        {
            content: "Open Periodic > Reimbursement",
            trigger: '.o-dropdown-item[data-menu-xmlid="reimbursement_addon.account_reimbursement_wizard_menu"]',
            run: "click",
        },
    ];
}

/**
 * Steps checking that the wizard, as ``when`` says it opened, has the focus
 * on its first option and no date picker open over the options.
 */
export function noDatePickerSteps(when) {
    return [
        {
            content: `${when}: the focus is on the first option, not on the date`,
            trigger: ".modal .o_field_widget[name=summarize_customer] input:focus",
        },
        {
            content: `${when}: no date picker covers the options`,
            trigger: "body:not(:has(.o_datetime_picker))",
        },
    ];
}

/**
 * Steps that click ``trigger`` and check, once ``doneTrigger`` shows, the
 * file the click downloaded: ``check(filename, options)`` throws when it is
 * not the one expected.
 */
export function downloadSteps({ content, trigger, doneTrigger, check }) {
    let fileDownload = null;
    return [
        {
            content,
            trigger,
            async run(helpers) {
                const originalDownload = download._download;
                fileDownload = new Promise((resolve, reject) => {
                    download._download = (options) => {
                        download._download = originalDownload;
                        const result = originalDownload(options);
                        result.then((filename) => resolve({ filename, options }), reject);
                        return result;
                    };
                    setTimeout(() => reject(new Error(`${content}: the click started no download.`)), 20000);
                });
                await helpers.click();
            },
        },
        {
            content: `${content}: the file is downloaded`,
            trigger: doneTrigger,
            async run() {
                const { filename, options } = await fileDownload;
                check(filename, options);
            },
        },
    ];
}

/**
 * Steps that click a Print button of a run's form and check that the
 * Reimbursement report of the run is downloaded as a PDF.
 */
export function printReportSteps(trigger) {
    return downloadSteps({
        content: "Print the Reimbursement report",
        trigger,
        doneTrigger: ".o_form_view .o_field_widget[name=line_ids]",
        check(filename, options) {
            const url = JSON.parse(options.data.data)[0];
            if (!url.startsWith("/report/pdf/reimbursement_addon.report_reimbursement_run/")) {
                throw new Error(`Print downloaded another report: ${url}`);
            }
            if (!filename || !filename.endsWith(".pdf")) {
                throw new Error(`The report download has no PDF file name: ${filename}`);
            }
        },
    });
}

/**
 * A step that runs the cron job ``module.xmlid`` once, as Odoo's cron runner
 * would (the job does one batch of its background work in a test).
 */
export function runCronStep(module, xmlid) {
    return {
        content: `The background job ${xmlid} does its next batch`,
        trigger: ".o_form_view .o_statusbar_status",
        async run() {
            const [, cronId] = await rpc("/web/dataset/call_kw/ir.model.data/check_object_reference", {
                model: "ir.model.data",
                method: "check_object_reference",
                args: [module, xmlid],
                kwargs: {},
            });
            await rpc("/web/dataset/call_kw/ir.cron/method_direct_trigger", {
                model: "ir.cron",
                method: "method_direct_trigger",
                args: [[cronId]],
                kwargs: {},
            });
        },
    };
}

/**
 * A step that waits for the form's progress bar ``field`` to show ``done``
 * of ``total``, without a reload.
 */
export function progressStep(field, done, total) {
    return {
        content: `The progress bar shows ${done} of ${total} without a reload`,
        trigger: `.o_form_view .o_field_widget[name=${field}] .o_progress[aria-valuenow='${done}'][aria-valuemax='${total}']`,
    };
}
