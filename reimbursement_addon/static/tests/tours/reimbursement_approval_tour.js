/** @odoo-module */

import { registry } from "@web/core/registry";
import { openWizardSteps, printReportSteps } from "@reimbursement_addon/../tests/tours/utils/steps";

/**
 * The monthly routine with four eyes, in two tours for two accounting
 * managers: the first proposes a run from the menu; the second opens it from
 * the activity it got, approves and posts it, registers the payment of its
 * bills and prints the report. The Python test that starts the tours checks
 * the accounting afterwards.
 */

registry.category("web_tour.tours").add("reimbursement_addon_propose_tour", {
    url: "/odoo",
    steps: () => [
        ...openWizardSteps(),
        {
            content: "Reimburse",
            trigger: ".modal button[name=action_reimburse]",
            run: "click",
        },
        {
            content: "The run is a proposal",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Draft)",
        },
        {
            content: "It says that it waits for approval",
            trigger: ".o_form_view .alert:contains(It waits for approval)",
        },
        {
            content: "It lists the customers to reimburse",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Approval Alpha AS)",
        },
        {
            content: "The chatter names the reviewer",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Waiting for the approval of Reviewing Manager)",
        },
    ],
});

registry.category("web_tour.tours").add("reimbursement_addon_approve_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the activities",
            trigger: ".o_menu_systray .o-mail-ActivityMenu-counter",
            run: "click",
        },
        {
            content: "Open the reimbursement runs to approve",
            trigger: ".o-mail-ActivityGroup:contains(Customer Reimbursement Run)",
            run: "click",
        },
        {
            content: "Open the proposed run",
            trigger: ".o_data_row:contains(REIMB) td[name=name], .o_kanban_record:contains(REIMB)",
            run: "click",
        },
        {
            content: "It was proposed by the first manager",
            trigger: ".o_form_view .o_field_widget[name=user_id]:contains(Proposing Manager)",
        },
        {
            content: "Approve it: Reimburse",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]:contains(Reimburse)",
            run: "click",
        },
        {
            content: "Confirm the posting",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The run is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "It shows who approved it",
            trigger: ".o_form_view .o_field_widget[name=approved_by_id]:contains(Reviewing Manager)",
        },
        {
            content: "None of its two bills is paid yet",
            trigger: ".o_form_view .o_field_widget[name=paid_bill_count]:contains(0)",
        },
        {
            content: "Register the payment of its bills",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_register_payment]",
            run: "click",
        },
        {
            content: "Odoo's payment wizard pays the bills",
            trigger: ".modal .o_field_widget[name=journal_id]",
        },
        {
            content: "Create the payments",
            trigger: ".modal button[name=action_create_payments]",
            run: "click",
        },
        {
            content: "Both bills are paid",
            trigger: ".o_form_view .o_field_widget[name=paid_bill_count]:contains(2)",
        },
        ...printReportSteps(".o_form_view .o_statusbar_buttons button[name=action_print]"),
        ...openWizardSteps(),
        {
            content: "Reimburse again, with every credit reimbursed",
            trigger: ".modal button[name=action_reimburse]",
            run: "click",
        },
        {
            content: "Odoo's ordinary error dialog says there is nothing left, not the crash dialog",
            trigger: ".modal .modal-title:contains(Invalid Operation)",
        },
        {
            content: "It gives the reason, without a traceback",
            trigger: ".modal-body:contains(There is nothing to reimburse):not(:has(.o_error_detail, button.btn-link))",
        },
        {
            content: "Close it",
            trigger: ".modal-footer button.o-default-button",
            run: "click",
        },
        {
            content: "Back in the wizard",
            trigger: ".modal button[name=action_reimburse]",
        },
    ],
});
