"""The ground floor of the reimbursement engine: what the files of the run
and of its lines share. It imports none of them, so that each can import it.
(The proposals themselves, plain Python too, are in ``reimbursement_proposal``.)
"""

from odoo.exceptions import UserError

# How many listed names a summary of skipped credits shows before "and N more".
SKIPPED_NAMES_SHOWN = 10
# Lines posted per batch in a request: their bills, one transfer entry,
# reconciliations, before the cache is emptied for the next batch.
BATCH_SIZE = 500
# Background batches are sized from the speed measured so far, between these.
BACKGROUND_BATCH_MIN = 20
BACKGROUND_BATCH_MAX = BATCH_SIZE
# How long a run waits for the lock that refreshing the statistics takes.
STATISTICS_LOCK_TIMEOUT = "100ms"
# Context key under which the engine changes runs and lines (see check_engine_write()).
ENGINE = "reimbursement_engine"
# Context key (a company id) under which searches of partners find only the
# customers a reimbursement run of that company can consider: the count and
# the list of the "Records to include" filter.
CANDIDATES_OF_COMPANY = "reimbursement_candidates_company_id"


def check_engine_write(records, vals):
    """Runs and lines record accounting: they change only through the
    engine (proposing, posting, cancelling), never by a direct write from
    the client or over RPC. Chatter fields stay writable."""
    records.check_access("write")
    changed = [fname for fname in vals if not fname.startswith(("message_", "activity_"))]
    if changed and not records.env.context.get(ENGINE):
        raise UserError(
            records.env._(
                "Customer reimbursements cannot be edited (%(fields)s): remove the lines of a "
                "draft run, or cancel posted reimbursements instead.",
                fields=", ".join(records._fields[fname].string for fname in changed if fname in records._fields),
            )
        )


class NothingToReimburse(UserError):
    """The options select no reimbursement: no run is made. Its message says
    why each credit was left out; a scheduled run logs it instead of failing."""
