/** @odoo-module */

import { registry } from "@web/core/registry";
import { downloadSteps } from "@reimbursement_addon/../tests/tours/utils/steps";

/**
 * An accountant pays an approved run by bank file, in OCA's flow: Create
 * Payment Order on the run, Confirm Payments, Generate Payment File,
 * download it, File Successfully Uploaded, and back on the run with its
 * bills paid. The Python test that starts the tour opens the run and checks
 * the ledger and the file afterwards.
 */
registry.category("web_tour.tours").add("reimbursement_payment_order_tour", {
    steps: () => [
        {
            content: "The run has four posted bills, none paid yet",
            trigger: ".o_form_view .o_field_widget[name=paid_bill_count]:contains(0)",
        },
        {
            content: "Create Payment Order",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_create_payment_order]",
            run: "click",
        },
        {
            content: "The bill of the untrusted account is left out, and the notification says why",
            trigger: ".o_notification:contains(Tour Untrusted AS):contains(not trusted for outgoing payments)",
        },
        {
            content: "Close the notification",
            trigger: ".o_notification:contains(Tour Untrusted AS) .o_notification_close",
            run: "click",
        },
        {
            content: "The order pays each customer's one-time vendor",
            trigger: ".o_form_view .o_field_widget[name=payment_line_ids] .o_data_row:contains(Tour Fjord AS)",
        },
        {
            content: "The reimbursement in euros is paid in euros",
            trigger: ".o_form_view .o_field_widget[name=payment_line_ids] .o_data_row:contains(Tour Euro GmbH):contains(€)",
        },
        {
            content: "Each payment line names the run",
            trigger: ".o_form_view .o_field_widget[name=payment_line_ids] .o_data_row:contains(REIMB)",
        },
        {
            content: "Confirm Payments",
            trigger: ".o_form_view .o_statusbar_buttons button[name=draft2open]",
            run: "click",
        },
        {
            content: "Generate Payment File",
            trigger: ".o_form_view .o_statusbar_buttons button[name=open2generated]",
            run: "click",
        },
        ...downloadSteps({
            content: "Download the payment file",
            trigger: ".o_form_view .o_field_widget[name=datas] a.o_form_uri:contains(.xml)",
            doneTrigger: ".o_form_view .o_field_widget[name=datas]",
            check(filename, options) {
                if (options.url !== "/web/content" || options.data.model !== "ir.attachment") {
                    throw new Error(`Another file was downloaded: ${JSON.stringify(options)}`);
                }
                if (!filename || !filename.startsWith("sct_") || !filename.endsWith(".xml")) {
                    throw new Error(`The payment file has another name: ${filename}`);
                }
            },
        }),
        {
            content: "Back to the payment order",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(PAY)",
            run: "click",
        },
        {
            content: "File Successfully Uploaded",
            trigger: ".o_form_view .o_statusbar_buttons button[name=generated2uploaded]",
            run: "click",
        },
        {
            content: "The order is uploaded",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(File Uploaded)",
        },
        {
            content: "Back to the run",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(REIMB)",
            run: "click",
        },
        {
            content: "The run shows three bills paid, the fourth left out",
            trigger: ".o_form_view .o_field_widget[name=paid_bill_count]:contains(3)",
        },
        {
            content: "The run's chatter says which order paid it",
            trigger: ".o-mail-Message:contains(paid by the payment order)",
        },
    ],
});
