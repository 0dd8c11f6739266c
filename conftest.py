"""pytest hooks for the Odoo test suite (run through pytest-odoo).

Odoo logs an error when its test framework is imported outside test mode,
and pytest-odoo imports it at start-up: tools/dev.sh therefore starts
pytest with Odoo's --test-enable. Test mode must be off again when
pytest-odoo loads the registry (after collection), or loading the registry
runs Odoo's own test loader as well; pytest-odoo turns it back on around
each test module.

A skipped test proves nothing: Odoo skips its browser tests when no
Chromium is found, for example. Any skip fails the run.

Odoo also skips a browser test when Chromium has not opened its DevTools
port within 10 seconds (CHECK_BROWSER_ITERATIONS checks, 0.1 s apart). CI
once saw Chromium take longer to start on a busy machine, and the tour was
skipped: Chromium is given a minute here.
"""

import pytest

import odoo

CHROMIUM_START_CHECKS = 600  # 0.1 s apart: a minute


def pytest_collection_finish(session):
    odoo.tools.config["test_enable"] = False
    # Loaded by the test modules collected.
    odoo.tests.common.CHECK_BROWSER_ITERATIONS = CHROMIUM_START_CHECKS


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
