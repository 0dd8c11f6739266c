# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What differs between the Odoo series the addon runs on: 18.0 and 19.0.

This is the one place of the product that tests Odoo's version (the tests
have their own, ``tests/series.py``). Each entry says since which series it
holds, and is chosen by ``MAJOR >= <that series>``: a later series takes the
newest behaviour, on purpose, and a new difference is one more entry.
Dropping 18.0 is keeping the ``>= 19`` side of each entry (and deleting the
code that only 18.0's side keeps alive: ``_subscribe_vendors``,
``_batch_rank_updates``' collecting).
"""

from odoo import release

MAJOR = release.version_info[0]

# Since 19.0, a user's groups are ``group_ids`` (18.0: ``groups_id``).
USER_GROUPS = "group_ids" if MAJOR >= 19 else "groups_id"

# Since 19.0, a partner has no mobile number beside the phone.
PARTNER_PHONES = ("phone",) if MAJOR >= 19 else ("phone", "mobile")

# Since 19.0, posting a bill no longer makes its partner a follower of it;
# on 18.0 the addon subscribes a batch's vendors itself, in one go, before
# posting.
POSTING_SUBSCRIBES_PARTNER = MAJOR < 19

# Since 19.0, Odoo defers rank increments to after the commit itself; on
# 18.0 posting increments each partner's rank with a locking update per
# partner and document, and the addon collects a batch's increments.
ODOO_DEFERS_RANKS = MAJOR >= 19

if MAJOR >= 19:
    from odoo.fields import Domain

    def normalize_domain(domain):
        """Since 19.0: ``domain`` as Odoo's Domain (it validates the conditions)."""
        return Domain(domain)

    def is_true_domain(domain):
        """Whether a normalized ``domain`` selects every record."""
        return domain.is_true()

    def group_users(group):
        """Since 19.0: every user of ``group`` is in ``all_user_ids`` (its
        ``user_ids`` are only the users given the group itself)."""
        return group.all_user_ids

    def commit_progress(env, processed, done, remaining):
        """Report a cron job's progress (``done`` so far in this call of it,
        ``processed`` of them since the last report) and commit. Since 19.0
        Odoo adds ``processed`` to the count itself, and commits."""
        env["ir.cron"]._commit_progress(processed, remaining=remaining)

else:
    from odoo.osv import expression

    def normalize_domain(domain):
        """18.0: ``domain`` (a list) in Odoo's normal form."""
        return expression.normalize_domain(domain)

    def is_true_domain(domain):
        """Whether a normalized ``domain`` selects every record."""
        return domain == expression.TRUE_DOMAIN

    def group_users(group):
        """18.0: every user of ``group`` is in its ``users``, as 18.0 adds a
        user to the groups implied by the ones given."""
        return group.users

    def commit_progress(env, processed, done, remaining):
        """Report a cron job's progress (``done`` so far in this call of it,
        ``processed`` of them since the last report) and commit."""
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        env.cr.commit()  # pylint: disable=invalid-commit
