/** @odoo-module */

import { registry } from "@web/core/registry";
import { progressStep, runCronStep } from "@reimbursement_addon/../tests/tours/utils/steps";

/**
 * A run being posted in the background, open in its form: each batch the
 * server commits moves the form's progress bar, and the run shows Done at
 * the end, without the user reloading the page. The server's background job
 * is started here, one batch at a time, as Odoo's cron runner would.
 */
registry.category("web_tour.tours").add("reimbursement_addon_progress_tour", {
    url: "/odoo/action-reimbursement_addon.account_reimbursement_action",
    steps: () => [
        {
            content: "Open the run being posted",
            trigger: ".o_data_row:contains(Posting) td[name=name]",
            run: "click",
        },
        {
            content: "It is being posted in the background",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posting)",
        },
        progressStep("progress_done", 0, 3),
        runCronStep("reimbursement_addon", "ir_cron_post_reimbursements"),
        progressStep("progress_done", 1, 3),
        runCronStep("reimbursement_addon", "ir_cron_post_reimbursements"),
        progressStep("progress_done", 2, 3),
        runCronStep("reimbursement_addon", "ir_cron_post_reimbursements"),
        {
            content: "The run shows Done without a reload",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Its reimbursements are posted, and the progress bar is gone",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=progress_done])) .o_field_widget[name=bill_count]:contains(3)",
        },
    ],
});
