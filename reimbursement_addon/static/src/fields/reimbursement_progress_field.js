/** @odoo-module */

import { onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ProgressBarField, progressBarField } from "@web/views/fields/progress_bar/progress_bar_field";

/** What the server sends on Odoo's bus after each background batch. */
const PROGRESS_NOTIFICATION = "account.reimbursement/progress";

/**
 * The progress bar of work done in the background (a run being posted, a
 * payment order's payments being posted): each batch the server commits
 * reloads the record shown, so that the bar moves, and the record shows the
 * end (or the failure) without a reload by the user.
 */
export class ReimbursementProgressField extends ProgressBarField {
    setup() {
        super.setup();
        const busService = useService("bus_service");
        const onProgress = (payload) => {
            const record = this.props.record;
            if (payload.model === record.resModel && payload.id === record.resId && !record.dirty) {
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
