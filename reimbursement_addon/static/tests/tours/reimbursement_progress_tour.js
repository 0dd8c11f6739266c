/** @odoo-module */

import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * A run being posted in the background, open in its form: each batch the
 * server commits moves the form's progress bar, and the run shows Done at
 * the end, without the user reloading the page. The server's background job
 * is started here, one batch at a time, as Odoo's cron runner would.
 */

function postNextBatchStep() {
    return {
        content: "The background job posts the next batch",
        trigger: ".o_form_view .o_statusbar_status",
        async run() {
            const [, cronId] = await rpc("/web/dataset/call_kw/ir.model.data/check_object_reference", {
                model: "ir.model.data",
                method: "check_object_reference",
                args: ["reimbursement_addon", "ir_cron_post_reimbursements"],
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

function progressStep(done, total) {
    return {
        content: `The progress bar shows ${done} of ${total} without a reload`,
        trigger: `.o_form_view .o_field_widget[name=progress_done] .o_progress[aria-valuenow='${done}'][aria-valuemax='${total}']`,
    };
}

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
        progressStep(0, 3),
        postNextBatchStep(),
        progressStep(1, 3),
        postNextBatchStep(),
        progressStep(2, 3),
        postNextBatchStep(),
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
