/** @odoo-module */

import { odooExceptionTitleMap, WarningDialog } from "@web/core/errors/error_dialogs";
import { registry } from "@web/core/registry";

// Nothing to reimburse is a UserError of its own class, which the scheduler
// tells from a failure: the web client shows it as it shows a UserError, in
// the ordinary error dialog with the same title, not the crash dialog (the
// way Odoo maps its own MissingActionError).
const NOTHING_TO_REIMBURSE = "odoo.addons.reimbursement_addon.models.engine.NothingToReimburse";
odooExceptionTitleMap.set(NOTHING_TO_REIMBURSE, odooExceptionTitleMap.get("odoo.exceptions.UserError"));
registry.category("error_dialogs").add(NOTHING_TO_REIMBURSE, WarningDialog);
