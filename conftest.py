"""pytest hooks for the Odoo test suite (run through pytest-odoo).

Odoo logs an error when its test framework is imported outside test mode,
and pytest-odoo imports it at start-up: tools/dev.sh therefore starts
pytest with Odoo's --test-enable. Test mode must be off again when
pytest-odoo loads the registry (after collection), or loading the registry
runs Odoo's own test loader as well; pytest-odoo turns it back on around
each test module.
"""

import odoo


def pytest_collection_finish(session):
    odoo.tools.config["test_enable"] = False
