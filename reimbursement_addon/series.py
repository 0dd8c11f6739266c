# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What differs between the Odoo series the addon runs on: 18.0 and 19.0.

This is the one place that tests Odoo's version. Each entry says which
series needs it; the tests' entries come last in each branch. Dropping 18.0
is deleting its branch (and the code and tests that only an entry of it
keeps alive: ``_subscribe_vendors``, ``_batch_rank_updates``' collecting);
a new series is one more branch.
"""

from odoo import release

ODOO_18 = release.version_info[0] == 18

if ODOO_18:
    from odoo.osv import expression

    # 18.0: a user's groups are ``groups_id``.
    USER_GROUPS = "groups_id"
    # 18.0: a partner has a mobile number beside the phone.
    PARTNER_PHONES = ("phone", "mobile")
    # 18.0: posting a bill makes its partner a follower of it; the addon
    # subscribes a batch's vendors itself, in one go, before posting.
    POSTING_SUBSCRIBES_PARTNER = True
    # 18.0: posting increments each partner's rank with a locking update per
    # partner and document; the addon collects a batch's increments.
    ODOO_DEFERS_RANKS = False

    def normalize_domain(domain):
        """``domain`` (a list) in Odoo's normal form."""
        return expression.normalize_domain(domain)

    def is_true_domain(domain):
        """Whether a normalized ``domain`` selects every record."""
        return domain == expression.TRUE_DOMAIN

    def group_users(group):
        """Every user of ``group``: 18.0 adds a user to the groups implied
        by the ones given, so its ``users`` are all of them."""
        return group.users

    def commit_progress(env, processed, done, remaining):
        """Report a cron job's progress (``done`` so far in this call of it,
        ``processed`` of them since the last report) and commit."""
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        env.cr.commit()  # pylint: disable=invalid-commit

    # -- the tests' entries --------------------------------------------------

    # 18.0: PostgreSQL cannot parse the query of a filter with thousands of
    # conditions (its parse depth); 19.0 builds flatter queries.
    LARGE_DOMAINS_TRIP_POSTGRESQL = True

    def enter_registry_test_mode(case):
        """New cursors of the registry wrap ``case``'s, as HttpCase's server
        has them, until the test ends."""
        case.registry.enter_test_mode(case.cr)
        case.addCleanup(case.registry.leave_test_mode)

    def pending_rank_increments(env, field):
        """The rank increments Odoo is yet to apply, by partner id: none on
        18.0, which applies them at once."""
        return {}

    # Queries of a run of write-offs: (the run's own, per write-off); 18.0
    # pays three a write-off in its reconciliation, 19.0 none.
    WRITE_OFF_QUERIES = (127, 3)

    # Odoo's error for an item on an account out of use.
    ACCOUNT_OUT_OF_USE_ERROR = "deprecated"

    def set_account_in_use(account, in_use):
        """Take ``account`` out of use (18.0 deprecates it) or back."""
        account.deprecated = not in_use

else:
    from odoo.fields import Domain

    # 19.0: a user's groups are ``group_ids``.
    USER_GROUPS = "group_ids"
    # 19.0: a partner has no mobile number field any more.
    PARTNER_PHONES = ("phone",)
    # 19.0: posting a bill no longer subscribes its partner.
    POSTING_SUBSCRIBES_PARTNER = False
    # 19.0: Odoo defers rank increments to after the commit itself.
    ODOO_DEFERS_RANKS = True

    def normalize_domain(domain):
        """``domain`` as Odoo's Domain (it validates the conditions)."""
        return Domain(domain)

    def is_true_domain(domain):
        """Whether a normalized ``domain`` selects every record."""
        return domain.is_true()

    def group_users(group):
        """Every user of ``group``: 19.0's ``user_ids`` are only the users
        given the group itself, ``all_user_ids`` those of the groups that
        imply it too."""
        return group.all_user_ids

    def commit_progress(env, processed, done, remaining):
        """Report a cron job's progress (``done`` so far in this call of it,
        ``processed`` of them since the last report) and commit; 19.0 adds
        ``processed`` to the count itself, and commits."""
        env["ir.cron"]._commit_progress(processed, remaining=remaining)

    # -- the tests' entries --------------------------------------------------

    LARGE_DOMAINS_TRIP_POSTGRESQL = False

    def enter_registry_test_mode(case):
        """New cursors of the registry wrap ``case``'s, as HttpCase's server
        has them, until the test ends."""
        case.registry_enter_test_mode()

    def pending_rank_increments(env, field):
        """The rank increments Odoo is yet to apply, by partner id: 19.0
        applies those of partners ranked already after the commit."""
        return dict(env.cr.postcommit.data.get(f"account.res.partner.increase_rank.{field}", {}))

    WRITE_OFF_QUERIES = (127, 0)

    ACCOUNT_OUT_OF_USE_ERROR = "archived"

    def set_account_in_use(account, in_use):
        """Take ``account`` out of use (19.0 archives it) or back."""
        account.active = in_use
