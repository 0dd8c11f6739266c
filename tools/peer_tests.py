"""Our neighbours' own test suites, run with our modules installed.

The suites of the OCA modules we depend on or extend, and Odoo's own
``account`` tests, run through pytest-odoo in a database with our modules
(``--with-db``). A test that fails there is run again in a database without
them (``--without-db``), the same modules less ours:

- it passes there: our modules break it, and the step fails;
- it fails there too: the step fails unless the test is in the list of
  known failures (``--known``), with the reason it fails without us.

Each test of that list is checked on each run: one that fails with our
modules but passes without them fails the step, one that passes again (or
is not found any more) is named, so that the list is kept short and true.
``--baseline`` runs every suite in the database without our modules too,
for the counts side by side.

The same file is the pytest plugin that writes each test's outcome to the
JSON file named by ``PEER_TESTS_RESULTS`` (``-p peer_tests``).

Usage: peer_tests.py --series 18.0 --conf CONF --with-db A --without-db B
       --known tools/peer_known_failures.txt --results-dir DIR [--baseline]
       -- TEST_PATH...
"""

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

FAILED = ("failed", "error")

# -- the pytest plugin ---------------------------------------------------------

_outcomes = {}
# Each test's file: pytest-odoo leaves the path out of the node ids of some.
_targets = {}


def pytest_collection_modifyitems(items):
    for item in items:
        _targets[item.nodeid] = f"{item.path}::{item.nodeid.partition('::')[2]}"


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "error"


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        outcome = "error" if report.failed and report.when != "call" else report.outcome
        target = _targets.get(report.nodeid, report.nodeid)
        if _outcomes.get(target) not in FAILED:
            _outcomes[target] = outcome


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("PEER_TESTS_RESULTS")
    if path:
        Path(path).write_text(json.dumps(_outcomes, indent=1))


# -- the step ------------------------------------------------------------------


def test_key(target):
    """A test's name wherever its module is installed:
    ``<module>/tests/<file>.py::<Class>::<test>``, from its file's path and
    node id."""
    path, _, rest = target.partition("::")
    if "/addons/" in path:
        path = path.rsplit("/addons/", 1)[1]
    return f"{path}::{rest}" if rest else path


def suite_of(key):
    return key.split("/", 1)[0]


def run_pytest(args, database, targets, results):
    """Run ``targets`` (paths, or tests as a file's path and node id) in
    ``database``: {test key: (outcome, target)}."""
    env = dict(os.environ, PEER_TESTS_RESULTS=str(results))
    tools = str(Path(__file__).resolve().parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tools, env.get("PYTHONPATH")]))
    results.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "conftest",
        "-p",
        "peer_tests",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "addopts=",
        # Odoo's tests are test cases; its modules' functions named test_*
        # are helpers, not tests.
        "-o",
        "python_functions=peer_tests_collect_no_functions",
        f"--odoo-config={args.conf}",
        f"--odoo-database={database}",
        "--odoo-log-level=critical",
        "--odoo-extra=test-enable",
        "--odoo-http",
        *targets,
    ]
    with open(results.with_suffix(".log"), "w") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if not results.exists():
        sys.exit(f"peer-test: pytest stopped before the end in {database}: see {results.with_suffix('.log')}")
    outcomes = json.loads(results.read_text())
    return {test_key(target): (outcome, target) for target, outcome in outcomes.items()}


def read_known(path, series):
    """{test key: reason} of the known failures of ``series``."""
    known = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            line_series, key, reason = line.split(maxsplit=2)
        except ValueError:
            sys.exit(f"{path}:{number}: write '<series> <test> <reason>'")
        if line_series == series:
            known[key] = reason
    return known


def count(results, suite):
    outcomes = Counter(outcome for key, (outcome, _target) in results.items() if suite_of(key) == suite)
    failed = outcomes["failed"] + outcomes["error"]
    return f"{outcomes['passed']} passed, {failed} failed, {outcomes['skipped']} skipped"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", required=True)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--with-db", required=True)
    parser.add_argument("--without-db", required=True)
    parser.add_argument("--known", required=True)
    parser.add_argument("--results-dir", required=True, type=Path)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    known = read_known(args.known, args.series)
    prefix = f"peer-test {args.series}"

    with_ours = run_pytest(args, args.with_db, args.paths, args.results_dir / f"peer-{args.series}-with.json")
    failed = {key for key, (outcome, _target) in with_ours.items() if outcome in FAILED}
    if args.baseline:
        without = run_pytest(args, args.without_db, args.paths, args.results_dir / f"peer-{args.series}-without.json")
    else:
        # Only what must be compared: the failures, and the known ones.
        again = sorted({with_ours[key][1] for key in failed | (known.keys() & with_ours.keys())})
        without = (
            run_pytest(args, args.without_db, again, args.results_dir / f"peer-{args.series}-without.json")
            if again
            else {}
        )

    problems = []
    for key in sorted(failed):
        outcome_without = without.get(key, ("missing", None))[0]
        if outcome_without == "passed":
            problems.append(f"{key} fails with our modules and passes without them: we break it")
        elif key not in known:
            problems.append(
                f"{key} fails with our modules and without them ({outcome_without}): add it to {args.known} "
                f"with the reason, or make it pass"
            )
    notes = []
    for key in sorted(known):
        if key not in with_ours:
            notes.append(f"{key} is listed as a known failure but was not run: remove it from {args.known}")
        elif key not in failed:
            notes.append(f"{key} is listed as a known failure but passes again: remove it from {args.known}")

    for suite in sorted({suite_of(key) for key in with_ours}):
        line = f"{prefix} {suite}: with our modules {count(with_ours, suite)}"
        if args.baseline:
            line += f"; without them {count(without, suite)}"
        print(line)
    for reason, number in sorted(Counter(known[key] for key in failed & known.keys()).items()):
        print(f"{prefix} known: {number} test(s) fail without our modules too: {reason}")
    for note in notes:
        print(f"{prefix} note: {note}")
    for problem in problems:
        print(f"{prefix} FAILED: {problem}")
    totals = Counter(outcome for outcome, _target in with_ours.values())
    print(
        f"{prefix}: {totals['passed']} passed, {totals['failed'] + totals['error']} failed with our modules, "
        f"{len(failed & known.keys())} of them known to fail without them too, {totals['skipped']} skipped; "
        f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
