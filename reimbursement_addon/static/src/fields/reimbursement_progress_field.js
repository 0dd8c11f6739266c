/** @odoo-module */

import { onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ProgressBarField, progressBarField } from "@web/views/fields/progress_bar/progress_bar_field";

/** What the server sends on Odoo's bus after each background batch. */
const PROGRESS_NOTIFICATION = "account.reimbursement/progress";

/**
 * The progress bar of a run being posted in the background: each batch the
 * server commits reloads the run shown, so that the bar moves, and the run
 * shows Done (or Failed) without a reload by the user.
 */
export class ReimbursementProgressField extends ProgressBarField {
    setup() {
        super.setup();
        const busService = useService("bus_service");
        const onProgress = (payload) => {
            const record = this.props.record;
            if (payload.id === record.resId && !record.dirty) {
                record.load();
            }
        };
        busService.subscribe(PROGRESS_NOTIFICATION, onProgress);
        busService.start();
        onWillUnmount(() => busService.unsubscribe(PROGRESS_NOTIFICATION, onProgress));
    }
}

registry.category("fields").add("reimbursement_progressbar", {
    ...progressBarField,
    component: ReimbursementProgressField,
});
