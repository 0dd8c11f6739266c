/** @odoo-module */

import { registry } from "@web/core/registry";
import { openWizardSteps } from "@reimbursement_addon/../tests/tours/utils/steps";

/**
 * The run writes off a small credit nobody has claimed for years: the
 * accountant ticks the option, sees the write-off apart in the preview and
 * the small credit that has not been dormant long enough left with its
 * reason, then reimburses. The Python test that starts the tour checks the
 * write-off entry afterwards.
 */
registry.category("web_tour.tours").add("reimbursement_addon_write_off_tour", {
    url: "/odoo",
    steps: () => [
        ...openWizardSteps(),
        {
            content: "Write off small, dormant credits too",
            trigger: ".modal .o_field_widget[name=write_off_small_credits] input:not(:checked)",
            run: "click",
        },
        {
            content: "Preview",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "The large credit is reimbursed",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Tour Large AS):contains(Reimbursement)",
        },
        {
            content: "The dormant small credit is written off, with no vendor",
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Tour Dormant AS):contains(Write-off):not(:contains(one-time vendor))",
        },
        {
            content: "The write-offs are totalled apart from the reimbursements",
            trigger: ".modal .o_field_widget[name=write_off_count]:contains(1)",
        },
        {
            content: "The recent small credit is left, and the preview says why",
            trigger:
                ".modal .o_field_widget[name=skipped_summary]:contains(not dormant long enough to be written off: Tour Recent AS)",
        },
        {
            content: "Reimburse",
            trigger: ".modal button[name=action_reimburse]",
            run: "click",
        },
        {
            content: "The run is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "It counts the write-off apart",
            trigger: ".o_form_view .o_field_widget[name=write_off_count]:contains(1)",
        },
        {
            content: "Its line is a write-off",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Tour Dormant AS):contains(Write-off)",
        },
        {
            content: "The chatter gives the write-offs' count and total",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(1 small, dormant credit(s) written off)",
        },
    ],
});
