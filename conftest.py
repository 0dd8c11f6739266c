"""pytest hooks for the Odoo test suite (run through pytest-odoo).

Odoo logs an error when its test framework is imported outside test mode,
and pytest-odoo imports it at start-up: tools/dev.sh therefore starts
pytest with Odoo's --test-enable. Test mode must be off again when
pytest-odoo loads the registry (after collection), or loading the registry
runs Odoo's own test loader as well; pytest-odoo turns it back on around
each test module.

A skipped test proves nothing: Odoo skips its browser tests when no
Chromium is found, for example. Any skip fails the run.
"""

import pytest

import odoo


def pytest_collection_finish(session):
    odoo.tools.config["test_enable"] = False


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"error: {len(skipped)} test(s) skipped; a skipped test does not pass (see the reasons above).",
            red=True,
        )
