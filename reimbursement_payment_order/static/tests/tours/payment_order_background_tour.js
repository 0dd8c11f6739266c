/** @odoo-module */

import { registry } from "@web/core/registry";
import { progressStep, runCronStep } from "@reimbursement_addon/../tests/tours/utils/steps";

const runCron = () => runCronStep("reimbursement_payment_order", "ir_cron_post_payment_orders");

/**
 * An order of more payments than the company posts in a request, its file
 * generated, open in its form: File Successfully Uploaded hands its payments
 * to the background job; each batch the server commits moves the form's
 * progress bar, and the order shows File Uploaded at the end, without the
 * user reloading the page. The job is started here, one batch at a time, as
 * Odoo's cron runner would.
 */
registry.category("web_tour.tours").add("reimbursement_payment_order_background_tour", {
    steps: () => [
        {
            content: "The file is at the bank: File Successfully Uploaded",
            trigger: ".o_form_view .o_statusbar_buttons button[name=generated2uploaded]",
            run: "click",
        },
        {
            content: "The payments are posted in the background; the button is gone",
            trigger:
                ".o_form_view:not(:has(.o_statusbar_buttons button[name=generated2uploaded])) .alert-info:contains(being posted and reconciled with the bills in the background)",
        },
        progressStep("upload_progress_done", 0, 3),
        runCron(),
        progressStep("upload_progress_done", 1, 3),
        runCron(),
        progressStep("upload_progress_done", 2, 3),
        runCron(),
        {
            content: "The order shows File Uploaded without a reload, and the progress is gone",
            trigger:
                ".o_form_view:not(:has(.o_field_widget[name=upload_progress_done])) .o_statusbar_status .o_arrow_button_current:contains(File Uploaded)",
        },
    ],
});
