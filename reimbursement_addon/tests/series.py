"""What the tests see differ between Odoo 18.0 and 19.0, as the product's
``series.py`` does it: each entry says since which series it holds."""

from odoo import release
from odoo.modules.registry import Registry

MAJOR = release.version_info[0]

# The registry's stand-in lock, which its test mode lends to other threads:
# since 19.0 in odoo.orm.registry (18.0: odoo.modules.registry).
if MAJOR >= 19:
    from odoo.orm.registry import DummyRLock
else:
    from odoo.modules.registry import DummyRLock

# Since 19.0, Odoo builds flatter queries: PostgreSQL parses the query of a
# filter with thousands of conditions (18.0 trips on its parse depth).
LARGE_DOMAINS_TRIP_POSTGRESQL = MAJOR < 19

# Queries of a run of write-offs: (the run's own, per write-off). Since 19.0
# the reconciliation of a write-off costs no query of its own (18.0: three).
WRITE_OFF_QUERIES = (127, 0) if MAJOR >= 19 else (127, 3)

# Odoo's error for an item on an account out of use: since 19.0 an account
# is archived (18.0: deprecated).
ACCOUNT_OUT_OF_USE_ERROR = "archived" if MAJOR >= 19 else "deprecated"


def set_account_in_use(account, in_use):
    """Take ``account`` out of use, or back: archived since 19.0, deprecated on 18.0."""
    if MAJOR >= 19:
        account.active = in_use
    else:
        account.deprecated = not in_use


def enter_registry_test_mode(case):
    """New cursors of the registry wrap ``case``'s, as HttpCase's server has
    them, until the test ends (since 19.0 a method of the case)."""
    if MAJOR >= 19:
        case.registry_enter_test_mode()
    else:
        case.registry.enter_test_mode(case.cr)
        case.addCleanup(case.registry.leave_test_mode)


def pending_rank_increments(env, field):
    """The rank increments Odoo is yet to apply, by partner id: since 19.0
    those of partners ranked already wait for the commit (18.0 applies them
    at once)."""
    if MAJOR >= 19:
        return dict(env.cr.postcommit.data.get(f"account.res.partner.increase_rank.{field}", {}))
    return {}


def lend_registry_lock(case):
    """Odoo's own runner (odoo-bin --test-enable) holds the registry's lock
    for the whole run, and each new environment takes it: the threads of
    ``case`` (its own, or the server's serving wkhtmltopdf) would wait for it
    until the run ends. Lend it to them until the test ends, as the
    registry's test mode lends it to HttpCase's server (pytest holds no such
    lock)."""
    if Registry._saved_lock is not None:
        return  # lent already
    Registry._saved_lock, Registry._lock = Registry._lock, DummyRLock()

    def give_back():
        Registry._lock, Registry._saved_lock = Registry._saved_lock, None

    case.addCleanup(give_back)
