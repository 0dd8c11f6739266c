from collections import defaultdict

from odoo import api, models
from odoo.http import request

from ..models.reimbursement_proposal import KIND_WRITE_OFF


class ReportReimbursement(models.AbstractModel):
    _name = "report.reimbursement_addon.report_reimbursement"
    _description = "Reimbursement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The report prints reimbursement lines, grouped by run, with the
        options each run used and the totals per currency; the credits
        written off apart, with their own totals."""
        # Printed from the report wizard, the lines come in ``data``: the
        # client downloads a report with data but no document ids.
        docids = docids or (data or {}).get("line_ids") or []
        lines = (
            self.env["account.reimbursement.line"]
            .browse(docids)
            .sorted(lambda line: (line.date, line.reimbursement_id.name, line.customer_id.name or "", line.id))
        )
        lines_by_run = defaultdict(lambda: self.env["account.reimbursement.line"])
        write_offs_by_run = defaultdict(lambda: self.env["account.reimbursement.line"])
        totals = defaultdict(float)
        write_off_totals = defaultdict(float)
        for line in lines:
            write_off = line.kind == KIND_WRITE_OFF
            (write_offs_by_run if write_off else lines_by_run)[line.reimbursement_id] |= line
            # A proposal's lines count as what posting would make.
            if line.state == "done" or (line.state == "draft" and line.reimbursement_id.state == "draft"):
                (write_off_totals if write_off else totals)[line.currency_id] += line.amount
        runs = list(dict.fromkeys(line.reimbursement_id for line in lines))
        return {
            "doc_ids": docids,
            "doc_model": "account.reimbursement.line",
            "docs": lines,
            "runs": runs,
            "lines_by_run": lines_by_run,
            "write_offs_by_run": write_offs_by_run,
            "totals": sorted(totals.items(), key=lambda item: item[0].name),
            "write_off_totals": sorted(write_off_totals.items(), key=lambda item: item[0].name),
            "company": lines.company_id[:1] or self.env.company,
            "filters": (data or {}).get("filters"),
            "proof": any(run.state == "draft" for run in runs),
            "report_lang": self._get_report_lang(data),
        }

    @api.model
    def _get_report_lang(self, data):
        """The language the report prints in: the one the client asks for
        (its ``context``), else the user's. On Odoo's report routes, which
        are website routes, the language otherwise comes from the website's
        language cookie, which the login page sets from the browser's
        language: an accountant opening a report's address would read it in
        the browser's language, not in its own."""
        asked = ((data or {}).get("context") or {}).get("lang")
        if asked:
            return asked
        if request and getattr(request, "is_frontend", False):
            return self.env.user.lang or self.env.lang
        return self.env.lang


class ReportReimbursementRun(models.AbstractModel):
    _name = "report.reimbursement_addon.report_reimbursement_run"
    _description = "Reimbursement Report of Runs"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The report of runs: their lines (but those skipped, which posted
        nothing), a draft run's as a proof of what posting would make."""
        runs = self.env["account.reimbursement"].browse(docids)
        lines = runs.line_ids.filtered(lambda line: line.state != "skipped")
        values = self.env["report.reimbursement_addon.report_reimbursement"]._get_report_values(lines.ids, data)
        return {**values, "doc_ids": docids, "doc_model": "account.reimbursement", "runs_printed": runs}
