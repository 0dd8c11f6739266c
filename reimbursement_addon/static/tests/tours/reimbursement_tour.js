/** @odoo-module */

import { registry } from "@web/core/registry";
import {
    noDatePickerSteps,
    openWizardSteps,
    printReportSteps,
} from "@reimbursement_addon/../tests/tours/utils/steps";

/**
 * An accountant reimburses customers from the menu, as the issue describes:
 * open Accounting > Periodic > Reimbursement, change an option, preview,
 * deselect one customer, reimburse, open a bill of the run and print the
 * Reimbursement report. The Python test that starts the tour checks the
 * accounting afterwards.
 */


registry.category("web_tour.tours").add("reimbursement_addon_tour", {
    url: "/odoo",
    steps: () => [
        ...openWizardSteps(),
        ...noDatePickerSteps("The wizard opens"),
        {
            content: "The wizard shows the configured minimum",
            trigger: ".modal .o_field_widget[name=min_amount]:contains(50.00)",
        },
        {
            content: "Include customers with outstanding debit transactions",
            trigger: ".modal .o_field_widget[name=include_debit_customers] input",
            run: "click",
        },
        {
            content: "Their open debits are settled first",
            trigger: ".modal .o_field_widget[name=offset_debits] input:checked",
        },
        {
            content: "Preview",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        ...noDatePickerSteps("The preview opens"),
        {
            content: "The customer with an open invoice is proposed for its net credit",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Tour Debtor AS):contains(50.00)",
        },
        {
            content: "A customer without a vendor gets a new one-time vendor",
            trigger: ".modal .o_data_row:contains(Tour Alpha AS) td[name=vendor_name]:contains(New one-time vendor)",
        },
        {
            content: "The preview shows the total to reimburse",
            trigger: ".modal .o_field_widget[name=amount_total]:contains(500.00)",
        },
        {
            content: "Deselect Tour Beta AS",
            trigger: ".modal .o_data_row:contains(Tour Beta AS) .o_field_widget[name=selected] input",
            run: "click",
        },
        {
            content: "The total follows the selection",
            trigger: ".modal .o_field_widget[name=amount_total]:contains(350.00)",
        },
        {
            content: "The unticked customer is counted apart, as not made",
            trigger: ".modal .o_field_widget[name=amount_unselected]:contains(150.00)",
        },
        {
            content: "Its line is greyed out",
            trigger: ".modal .o_data_row.text-muted:contains(Tour Beta AS)",
        },
        {
            content: "The list adds up nothing of its own: there is one total",
            trigger: ".modal .o_field_widget[name=line_ids] .o_list_table:not(:has(tfoot .o_list_number))",
        },
        {
            content: "Reimburse",
            trigger: ".modal button[name=action_reimburse]",
            run: "click",
        },
        {
            content: "The run opens with its reimbursements",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Tour Alpha AS)",
        },
        {
            content: "The run shows its total",
            trigger: ".o_form_view .o_field_widget[name=amount_total]:contains(350.00)",
        },
        {
            content: "Open the vendor bills of the run",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_bills]",
            run: "click",
        },
        {
            content: "Open the bill of Tour Alpha AS",
            trigger: ".o_list_view .o_data_row:contains(Tour Alpha AS) td[name=invoice_partner_display_name]",
            run: "click",
        },
        {
            content: "The bill is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "The bill pays the customer's credit to its one-time vendor",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Tour Alpha AS)",
        },
        {
            content: "The bill's line is the credit balance",
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(300.00)",
        },
        {
            content: "Back to the run",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(REIMB)",
            run: "click",
        },
        ...printReportSteps(".o_form_view .o_statusbar_buttons button[name=action_print]"),
    ],
});
