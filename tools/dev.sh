#!/usr/bin/env bash
# Project tooling behind the Makefile: set-up, run, test, lint.
#
#   tools/dev.sh setup        virtualenv, pinned requirements, Odoo, PostgreSQL
#   tools/dev.sh run          (re)create the demo database and serve it (DEMO_CUSTOMERS=N grows it)
#   tools/dev.sh serve        serve the existing demo database again, as it is
#   tools/dev.sh test [ARGS]  fresh database, install the addon, run pytest (every series unless SERIES is set)
#   tools/dev.sh odoo-test    the suite through Odoo's own runner, its test count compared with pytest's
#   tools/dev.sh peer-test    OCA's and Odoo's own suites with our modules installed (BASELINE=1: without too)
#   tools/dev.sh lint         ruff (lint + format check), pylint-odoo, OCA's checks, README.rst fresh
#   tools/dev.sh readme       each addon's README.rst and index.html, made from its readme/
#   tools/dev.sh i18n         regenerate the .pot and merge it into nb.po
#   tools/dev.sh screenshots  README screenshots of the running demo (make run)
#   tools/dev.sh screenshots-background  a large run from the browser (make run DEMO_CUSTOMERS=10000)
#   tools/dev.sh bench        benchmark (N=customers, default 2000), not part of test
#   tools/dev.sh bench-payment-order  each click of paying a run by bank file timed (N=customers)
#   tools/dev.sh bench-write-off  a run of N customers' credits written off, against the same reimbursed
#   tools/dev.sh faults       fault test: a background run and its payment order's upload survive SIGKILL (N=3000)
#   tools/dev.sh upgrade-test a database of the previous release upgraded with this code
#   tools/dev.sh wheel        dist/odoo_addon_reimbursement_addon-<series>.<version>-py3-none-any.whl (whool)
#   tools/dev.sh wheel-test   that wheel installed outside the repository, one reimbursement made with it
#
# SERIES (18.0 or 19.0) picks the Odoo series: its source tree ($ODOO_HOME,
# else /opt/odoo-<series>; /opt/odoo still counts as 18.0), its virtualenv
# .venv-<series> and its pinned requirements-<series>.txt. Unset, it is the
# newest (19.0), except for test, which then runs on every series in turn.
#
# Every missing piece ends in one sentence saying what to do.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUPPORTED_SERIES=(18.0 19.0)
NEWEST_SERIES=19.0
# The repository's addons: the product, and its glue to OCA's payment orders
# (paying a run by bank file), which the tests, lint and translations cover too.
ADDONS=(reimbursement_addon reimbursement_payment_order)
# The previous release of each series (make upgrade-test upgrades it with
# this code); 19.0 has none before this code's own.
declare -A PREVIOUS_RELEASE=([18.0]=18.0.1.0.0)
OLDEST_UPGRADE_SERIES=18.0
STATE="$ROOT/.odoo"          # generated configs, data dirs, fallback Odoo clones
PYTHON=${PYTHON:-python3}
HTTP_PORT=${HTTP_PORT:-8069}
ODOO_BRANCH_URL=https://github.com/odoo/odoo.git

# use_series SERIES: the paths of that series (VENV, CONF, DEMO_DB...).
use_series() {
    SERIES=$1
    case " ${SUPPORTED_SERIES[*]} " in
        *" $SERIES "*) ;;
        *) die "SERIES=$SERIES is not a supported Odoo series: use one of ${SUPPORTED_SERIES[*]}." ;;
    esac
    VENV="$ROOT/.venv-$SERIES"
    CONF="$STATE/odoo-$SERIES.conf"
    REQUIREMENTS="$ROOT/requirements-$SERIES.txt"
    OCA_REQUIREMENTS="$ROOT/requirements-$SERIES-oca.txt"
    # A database belongs to the series that made it.
    if [ "$SERIES" = "$NEWEST_SERIES" ]; then
        DEMO_DB=${DEMO_DB:-reimbursement_demo}
    else
        DEMO_DB=${DEMO_DB:-reimbursement_demo_${SERIES%%.*}}
    fi
    export SERIES
}

export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-$(id -un)}
export PGDATABASE=postgres
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

die() { echo "error: $*" >&2; exit 1; }
info() { echo "==> $*"; }

find_odoo() {
    local major=${SERIES%%.*} minor=${SERIES##*.}
    if [ -n "${ODOO_HOME:-}" ]; then
        [ -f "$ODOO_HOME/odoo-bin" ] \
            || die "ODOO_HOME=$ODOO_HOME holds no odoo-bin: point ODOO_HOME at an Odoo $SERIES source tree."
    elif [ -f "/opt/odoo-$SERIES/odoo-bin" ]; then
        ODOO_HOME=/opt/odoo-$SERIES
    elif [ "$SERIES" = 18.0 ] && [ -f /opt/odoo/odoo-bin ]; then
        ODOO_HOME=/opt/odoo
    elif [ -f "$STATE/odoo-$SERIES/odoo-bin" ]; then
        ODOO_HOME="$STATE/odoo-$SERIES"
    else
        info "No Odoo source at \$ODOO_HOME or /opt/odoo-$SERIES: cloning the official $SERIES branch into .odoo/odoo-$SERIES"
        mkdir -p "$STATE"
        if ! timeout 900 git clone --quiet --depth 1 --branch "$SERIES" "$ODOO_BRANCH_URL" "$STATE/odoo-$SERIES"; then
            rm -rf "$STATE/odoo-$SERIES"
            die "Odoo $SERIES source not found, and cloning the official $SERIES branch failed (this machine cannot reach it): put an Odoo $SERIES source tree at /opt/odoo-$SERIES or set ODOO_HOME to one."
        fi
        ODOO_HOME="$STATE/odoo-$SERIES"
    fi
    grep -q "^version_info = ($major, $minor," "$ODOO_HOME/odoo/release.py" 2>/dev/null \
        || die "$ODOO_HOME is not Odoo $SERIES (see odoo/release.py): point ODOO_HOME at an Odoo $SERIES source tree (or set SERIES to its series)."
    export ODOO_HOME
}

setup_venv() {
    local want stamp="$VENV/.requirements.sha256"
    want=$(cat "$REQUIREMENTS" "$OCA_REQUIREMENTS" "$ROOT/requirements-dev.txt" | sha256sum | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or set PYTHON to a Python 3 interpreter."
        info "Creating the virtualenv .venv-$SERIES with Odoo $SERIES's pinned requirements (a few minutes the first time)"
        "$PYTHON" -m venv "$VENV" || die "could not create a virtualenv: install the venv module (apt-get install python3-venv)."
        "$VENV/bin/pip" install --quiet --upgrade pip setuptools wheel \
            || die "could not upgrade pip in .venv-$SERIES: check that the Python package index is reachable."
        "$VENV/bin/pip" install --quiet -r "$REQUIREMENTS" -r "$ROOT/requirements-dev.txt" \
            || die "installing requirements-$SERIES.txt and requirements-dev.txt failed (see above): psycopg2 needs libpq-dev and python3-dev (apt-get install libpq-dev python3-dev)."
        # OCA's wheels each require an `odoo` distribution, which a source tree is not.
        "$VENV/bin/pip" install --quiet --no-deps -r "$OCA_REQUIREMENTS" \
            || die "installing OCA's modules of requirements-$SERIES-oca.txt failed (see above): check that the Python package index is reachable."
        echo "$want" >"$stamp"
    fi
    # pytest-odoo imports `odoo` directly: put the Odoo source on the path.
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_HOME" >"$site/odoo-home.pth"
}

# OCA's module and PO checks, in a virtualenv of their own (they pin another
# polib than Odoo): OCA_CHECKS is its bin folder.
setup_oca_checks() {
    local venv="$STATE/oca-checks" want stamp="$STATE/oca-checks/.requirements.sha256"
    want=$(sha256sum <"$ROOT/requirements-oca-checks.txt" | cut -d' ' -f1)
    if [ ! -x "$venv/bin/oca-checks-po" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        info "Creating the virtualenv .odoo/oca-checks with OCA's module and PO checks"
        "$PYTHON" -m venv "$venv" && "$venv/bin/pip" install --quiet -r "$ROOT/requirements-oca-checks.txt" \
            || die "installing requirements-oca-checks.txt failed (above): check that the Python package index is reachable."
        echo "$want" >"$stamp"
    fi
    OCA_CHECKS="$venv/bin"
}

check_postgres() {
    command -v psql >/dev/null && command -v pg_isready >/dev/null \
        || die "the PostgreSQL client tools are missing: apt-get install postgresql-client."
    if ! pg_isready -q; then
        if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
            info "PostgreSQL is down: starting it"
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q && break; sleep 1; done
        fi
        pg_isready -q || die "PostgreSQL does not answer on $PGHOST:$PGPORT: start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set PGHOST and PGPORT."
    fi
    [ "$PGUSER" != postgres ] \
        || die "Odoo refuses to connect as the PostgreSQL superuser 'postgres': set PGUSER to another role, e.g. PGUSER=root after: su postgres -c 'createuser -s root'."
    if ! psql -qtAc "select 1" >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
            info "Creating the PostgreSQL role $PGUSER"
            su postgres -c "createuser -s '$PGUSER'" >/dev/null 2>&1 || true
        fi
        psql -qtAc "select 1" >/dev/null 2>&1 \
            || die "PostgreSQL role '$PGUSER' cannot connect to $PGHOST:$PGPORT: create it (su postgres -c 'createuser -s $PGUSER') or set PGUSER to a role that may create databases."
    fi
    [ "$(psql -qtAc "select rolcreatedb or rolsuper from pg_roles where rolname = current_user")" = t ] \
        || die "PostgreSQL role '$PGUSER' may not create databases: ALTER ROLE $PGUSER CREATEDB, or set PGUSER to a role that may."
}

# Debian packages the project needs: wkhtmltopdf prints the PDF reports,
# chromium runs the browser tours of the test suite (and the screenshots),
# gettext's msgmerge merges the .pot into nb.po (make i18n).
check_system_tools() {
    local missing=() tool
    for tool in wkhtmltopdf chromium msgmerge; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [ ${#missing[@]} = 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        local packages=("${missing[@]/msgmerge/gettext}")
        info "Installing ${packages[*]} from Debian (PDF reports, browser tests, translations)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >/dev/null \
            || die "installing ${packages[*]} failed: run apt-get update && apt-get install -y ${packages[*]}."
    fi
    for tool in "${missing[@]}"; do
        command -v "$tool" >/dev/null || case $tool in
            wkhtmltopdf) die "wkhtmltopdf is missing (Odoo prints PDF reports with it): apt-get install wkhtmltopdf." ;;
            chromium) die "chromium is missing (the test suite's browser tour runs in it): apt-get install chromium." ;;
            msgmerge) die "msgmerge is missing (make i18n merges the .pot into nb.po with it): apt-get install gettext." ;;
        esac
    done
}

write_config() {
    mkdir -p "$STATE/data-$SERIES"
    cat >"$CONF" <<EOF
[options]
addons_path = $ODOO_HOME/addons,$ODOO_HOME/odoo/addons,$ROOT
data_dir = $STATE/data-$SERIES
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
${PGPASSWORD:+db_password = $PGPASSWORD}
http_interface = ${HTTP_INTERFACE:-0.0.0.0}
http_port = $HTTP_PORT
list_db = False
EOF
}

setup() {
    find_odoo
    setup_venv
    check_postgres
    check_system_tools
    write_config
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$CONF" "$@"
}

# Install the addon in a new database (create_db DB --demo|--no-demo) with
# click-odoo-initdb: from a cached template database when the same modules,
# files unchanged, were installed before; fail on any error in the log.
# MODULES (comma-separated) are installed beside it: the demo and the tests
# also install the Norwegian chart, l10n_no. INITDB_CACHE=--no-cache installs
# for real (the wheel's check: its files are the same as the repository's).
# A third argument names the modules instead (the peer suites' database
# without ours).
create_db() {
    local db=$1 demo=$2
    local modules=${3:-reimbursement_addon${MODULES:+,$MODULES}}
    local log="$STATE/install-$SERIES-$db.log"
    dropdb --if-exists --force "$db"
    "$VENV/bin/click-odoo-initdb" -c "$CONF" -n "$db" -m "$modules" "$demo" --log-level=warn \
        "${INITDB_CACHE:---cache}" --cache-prefix "reimb${SERIES%%.*}" --cache-max-size 8 >"$log" 2>&1 \
        || { cat "$log" >&2; die "installing $modules in $db failed (log above)."; }
    if grep -E " (ERROR|CRITICAL) " "$log" >&2; then
        die "installing $modules in $db logged errors (above)."
    fi
}

cmd_run() {
    setup
    info "Creating the demo database $DEMO_DB (both addons, OCA's payment orders, demo data, English and Norwegian Bokmål, the Norwegian chart)"
    MODULES=l10n_no,reimbursement_payment_order create_db "$DEMO_DB" --demo
    # Norwegian for whoever picks it in their preferences; English stays the
    # default (--load-language would make Norwegian everybody's language).
    "$VENV/bin/python" "$ODOO_HOME/odoo-bin" shell -c "$CONF" -d "$DEMO_DB" --no-http --log-level=warn >"$STATE/lang-$DEMO_DB.log" 2>&1 <<'EOF' \
        || { cat "$STATE/lang-$DEMO_DB.log" >&2; die "loading Norwegian Bokmål into $DEMO_DB failed (log above)."; }
env["res.lang"]._activate_lang("nb_NO")
env["ir.module.module"].search([("state", "=", "installed")])._update_translations(["nb_NO"])
env.cr.commit()
EOF
    info "Setting up the Norwegian company Nordlys Handel AS (logins regnskap / regnskap and regnskapssjef / regnskapssjef)"
    "$VENV/bin/python" "$ODOO_HOME/odoo-bin" shell -c "$CONF" -d "$DEMO_DB" --no-http --log-level=warn \
        <"$ROOT/tools/demo_norway.py" >"$STATE/norway-$DEMO_DB.log" 2>&1 \
        || { cat "$STATE/norway-$DEMO_DB.log" >&2; die "setting up the Norwegian company in $DEMO_DB failed (log above)."; }
    local grow=${DEMO_CUSTOMERS:-0}
    case $grow in '' | *[!0-9]*) die "DEMO_CUSTOMERS must be a number of customers, e.g. make run DEMO_CUSTOMERS=10000." ;; esac
    if [ "$grow" != 0 ]; then
        info "Adding $grow customers with credit balances to the demo (a run of them posts in the background)"
        "$VENV/bin/python" "$ROOT/tools/bench.py" build -c "$CONF" -d "$DEMO_DB" -n "$grow"
    fi
    info "Serving Odoo on http://localhost:$HTTP_PORT (login admin / admin); Ctrl-C stops it"
    exec "$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$"
}

# Serve the demo database as it is, without recreating it: after a crash, a
# restart, or to go on where the last session in the browser stopped.
cmd_serve() {
    setup
    psql -qtAc "select 1" -d "$DEMO_DB" >/dev/null 2>&1 \
        || die "there is no database $DEMO_DB to serve: create it with make run (DEMO_DB=... names another)."
    info "Serving Odoo on http://localhost:$HTTP_PORT (database $DEMO_DB, login admin / admin); Ctrl-C stops it"
    exec "$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$"
}

# each_series_side_by_side WHAT TARGET [ARGS]: tools/dev.sh TARGET on every
# supported series at once, each on an HTTP port of its own, each one's
# output (.odoo/TARGET-<series>.out) shown whole when it ends; fails naming
# the series that failed. Each is mostly one process: two cores run both in
# about the time of the longer.
each_series_side_by_side() {
    local what=$1 target=$2 series index pids=() failed=()
    shift 2
    mkdir -p "$STATE"
    for index in "${!SUPPORTED_SERIES[@]}"; do
        series=${SUPPORTED_SERIES[$index]}
        info "$what on Odoo $series, in the background (.odoo/$target-$series.out)"
        SERIES=$series HTTP_PORT=$((HTTP_PORT + index)) bash "$ROOT/tools/dev.sh" "$target" "$@" \
            >"$STATE/$target-$series.out" 2>&1 &
        pids+=($!)
    done
    for index in "${!SUPPORTED_SERIES[@]}"; do
        series=${SUPPORTED_SERIES[$index]}
        wait "${pids[$index]}" || failed+=("$series")
        info "$what on Odoo $series:"
        cat "$STATE/$target-$series.out"
    done
    [ ${#failed[@]} = 0 ] || die "$what failed on Odoo ${failed[*]} (above)."
    info "$what passed on Odoo ${SUPPORTED_SERIES[*]}"
}

# make test: the whole suite on every supported series in turn (each one
# to the end, failed or not), or on SERIES alone; PARALLEL=1 runs the series
# side by side instead, each one's output shown whole when it ends (CI).
cmd_test_all() {
    if [ -n "${SERIES:-}" ]; then
        use_series "$SERIES"
        cmd_test "$@"
        return
    fi
    if [ -n "${PARALLEL:-}" ]; then
        each_series_side_by_side "The test suite" test "$@"
        return
    fi
    local series failed=()
    for series in "${SUPPORTED_SERIES[@]}"; do
        info "The test suite on Odoo $series"
        SERIES=$series bash "$ROOT/tools/dev.sh" test "$@" || failed+=("$series")
    done
    [ ${#failed[@]} = 0 ] || die "the test suite failed on Odoo ${failed[*]} (above)."
    info "The test suite passed on Odoo ${SUPPORTED_SERIES[*]}"
}

cmd_test() {
    setup
    local db="reimbursement_test_${SERIES%%.*}_$$"
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    # OCA's direct debits beside ours: their inbound orders must behave as OCA
    # ships them (test_other_orders).
    info "Creating the test database $db with ${ADDONS[*]}, the Norwegian chart and OCA's direct debits"
    MODULES=l10n_no,reimbursement_payment_order,account_banking_sepa_direct_debit create_db "$db" --no-demo
    info "Running the test suite on Odoo $SERIES"
    cd "$ROOT"
    # --odoo-http serves the test database to the browser tour; pytest-cov
    # measures line and branch coverage of the addon (.coveragerc).
    # A whole run (no PYTEST_ARGS) keeps what ran for make odoo-test, which
    # compares its count.
    export COVERAGE_FILE="$STATE/coverage-$SERIES"
    local junit=()
    rm -f "$STATE/pytest-$SERIES.xml"
    [ $# = 0 ] && junit=(--junitxml="$STATE/pytest-$SERIES.xml")
    "$VENV/bin/pytest" --odoo-config="$CONF" --odoo-database="$db" --odoo-log-level=warn --odoo-extra=test-enable \
        --odoo-http --cov --cov-config="$ROOT/.coveragerc" --cov-report=term "${junit[@]}" "${ADDONS[@]/%//tests}" "$@"
    check_coverage
}

# The suite through Odoo's own runner (odoo-bin --test-enable --test-tags),
# as OCA's CI and an integrator run it: it runs the test modules that each
# addon's tests/__init__.py imports, where pytest finds them by path. Fails
# on a failure, and when it ran another number of tests than pytest's last
# whole run of the series (make test) did: a test module not imported.
cmd_odoo_test() {
    setup
    local junit="$STATE/pytest-$SERIES.xml" db="reimbursement_odoo_test_${SERIES%%.*}_$$" log expected ran
    [ -f "$junit" ] || die "no pytest run of the whole suite on $SERIES to compare with: run make test SERIES=$SERIES first."
    expected=$("$VENV/bin/python" -c 'import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
print(sum(int(s.get("tests")) - int(s.get("skipped", 0)) for s in suites))' "$junit")
    log="$STATE/odoo-test-$SERIES.log"
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    info "Creating the test database $db, as make test does"
    MODULES=l10n_no,reimbursement_payment_order,account_banking_sepa_direct_debit create_db "$db" --no-demo
    info "Running the suite through Odoo's own runner (odoo-bin --test-enable --test-tags) on Odoo $SERIES"
    local tags
    tags=$(IFS=,; echo "${ADDONS[*]/#//}")
    odoo_bin -d "$db" --test-enable --test-tags "$tags" --stop-after-init --http-port "$HTTP_PORT" \
        --log-level=warn --log-handler=odoo.tests.result:INFO >"$log" 2>&1 || true
    grep -E "odoo\.tests\.result: .* tests when loading database|(ERROR|CRITICAL) " "$log" || true
    ran=$(sed -n "s/.*odoo\.tests\.result: \([0-9]*\) failed, \([0-9]*\) error(s) of \([0-9]*\) tests when loading database.*/\1 \2 \3/p" "$log" | tail -n 1)
    [ -n "$ran" ] || die "Odoo's runner printed no result (log: $log)."
    set -- $ran
    [ "$1" = 0 ] && [ "$2" = 0 ] || die "Odoo's runner: $1 failed, $2 error(s) of $3 tests on $SERIES (log: $log)."
    [ "$3" = "$expected" ] \
        || die "Odoo's runner ran $3 tests on $SERIES, pytest $expected: a test module is not imported by its tests/__init__.py."
    info "Odoo's runner ran $3 tests on $SERIES, as pytest did; none failed"
}

# The floor: 90% of the addon's lines run by the test suite.
check_coverage() {
    "$VENV/bin/coverage" json --rcfile="$ROOT/.coveragerc" -q -o "$STATE/coverage-$SERIES.json"
    "$VENV/bin/python" - "$STATE/coverage-$SERIES.json" "${COVERAGE_FLOOR:-90}" "$SERIES" <<'PY'
import json
import sys

totals = json.load(open(sys.argv[1]))["totals"]
floor = float(sys.argv[2])
series = sys.argv[3]
lines = 100.0 * totals["covered_lines"] / totals["num_statements"]
branches = 100.0 * totals["covered_branches"] / max(totals["num_branches"], 1)
print(f"coverage on {series}: lines {lines:.1f}%, branches {branches:.1f}%, total {totals['percent_covered']:.1f}% (floor: {floor:.0f}% of lines)")
sys.exit(0 if lines >= floor else f"coverage on {series} of lines {lines:.1f}% is under the {floor:.0f}% floor")
PY
}

# Our neighbours' own test suites with our modules installed: the tests of
# every OCA module of requirements-<series>-oca.txt (those we depend on or
# extend, and OCA's direct debits) and Odoo's own account tests of
# tools/peer_tests_account.txt, in a database with both addons; a test that
# fails there is run again in one without them, and tools/peer_tests.py
# judges (tools/peer_known_failures.txt: what fails without us too).
# BASELINE=1 runs every suite without our modules as well, for the counts.
# Without SERIES, the series run side by side (each is mostly one process:
# two cores run both in the time of the longer), each on an HTTP port of its
# own, and each one's output is shown whole when it ends.
cmd_peer_test_all() {
    if [ -n "${SERIES:-}" ]; then
        use_series "$SERIES"
        cmd_peer_test
        return
    fi
    each_series_side_by_side "Our neighbours' test suites" peer-test
}

cmd_peer_test() {
    setup
    local major=${SERIES%%.*} site oca=() paths=() module test
    local with="reimbursement_peer_with_$major" without="reimbursement_peer_without_$major"
    trap 'dropdb --if-exists --force "'"$with"'" >/dev/null 2>&1; dropdb --if-exists --force "'"$without"'" >/dev/null 2>&1 || true' EXIT
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    for module in "$site"/odoo/addons/*/__manifest__.py; do
        module=$(basename "$(dirname "$module")")
        oca+=("$module")
        paths+=("$site/odoo/addons/$module/tests")
    done
    [ ${#oca[@]} != 0 ] || die "no OCA module is installed in .venv-$SERIES: run make setup SERIES=$SERIES."
    # Where Odoo imports core's addons from: a nightly build keeps them all
    # in odoo/addons, a source checkout in addons.
    while read -r test; do
        if [ -f "$ODOO_HOME/odoo/addons/$test" ]; then
            paths+=("$ODOO_HOME/odoo/addons/$test")
        elif [ -f "$ODOO_HOME/addons/$test" ]; then
            paths+=("$ODOO_HOME/addons/$test")
        else
            die "tools/peer_tests_account.txt names $test, which Odoo $SERIES does not have."
        fi
    done < <(sed -e 's/#.*//' -e '/^ *$/d' "$ROOT/tools/peer_tests_account.txt")
    info "Creating $with (${ADDONS[*]} and ${oca[*]}) and $without (the same less ours)"
    create_db "$with" --no-demo "$(IFS=,; echo "${ADDONS[*]},${oca[*]}")"
    create_db "$without" --no-demo "$(IFS=,; echo "${oca[*]}")"
    info "Running the suites of ${oca[*]} and Odoo's account tests with our modules${BASELINE:+, and without them}"
    cd "$ROOT"
    "$VENV/bin/python" "$ROOT/tools/peer_tests.py" --series "$SERIES" --conf "$CONF" --with-db "$with" \
        --without-db "$without" --known "$ROOT/tools/peer_known_failures.txt" --results-dir "$STATE" \
        ${BASELINE:+--baseline} "${paths[@]}"
}

# Screenshots of the running demo for the README (start `make run` first).
cmd_screenshots() {
    setup
    command -v node >/dev/null && command -v npm >/dev/null \
        || die "node and npm are missing (the screenshots are taken with playwright-core): apt-get install nodejs npm."
    if ! command -v pdftoppm >/dev/null; then
        [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
        command -v pdftoppm >/dev/null || die "pdftoppm is missing (it turns the PDF report into a PNG): apt-get install poppler-utils."
    fi
    browse_demo tools/screenshots.mjs "make run"
}

# A large run started in the browser on the grown demo (make run
# DEMO_CUSTOMERS=10000 in another terminal): timings and README screenshots.
cmd_screenshots_background() {
    setup
    command -v node >/dev/null && command -v npm >/dev/null \
        || die "node and npm are missing (the browser is driven with playwright-core): apt-get install nodejs npm."
    browse_demo tools/background_run.mjs "make run DEMO_CUSTOMERS=10000"
}

# Drive the demo that `make run` serves in Chromium with a playwright-core
# script: browse_demo SCRIPT "the make command that serves what it needs".
browse_demo() {
    local script=$1 serve=$2
    curl -fs -o /dev/null "http://localhost:$HTTP_PORT/web/login" \
        || die "no Odoo answers on http://localhost:$HTTP_PORT: start the demo with $serve (in another terminal) first."
    mkdir -p "$STATE/node"
    [ -d "$STATE/node/node_modules/playwright-core" ] \
        || npm install --silent --prefix "$STATE/node" playwright-core@1.65.1 >/dev/null \
        || die "installing playwright-core from npm failed: check that the npm registry is reachable."
    cd "$ROOT"
    NODE_TOOLS="$STATE/node" node "$script" "http://localhost:$HTTP_PORT" docs/screenshots
}

# A fresh database ($1) of $2 customers holding credits, as tools/bench.py
# builds them, with the addon (and $MODULES) installed; $3 names the
# make target in the message of a bad N.
bench_database() {
    local db=$1 count=$2 target=$3
    case $count in '' | *[!0-9]*) die "N must be a number of customers, e.g. make $target N=1000." ;; esac
    info "Creating the database $db"
    create_db "$db" --no-demo
    info "Building $count customers with credit balances"
    "$VENV/bin/python" "$ROOT/tools/bench.py" build -c "$CONF" -d "$db" -n "$count"
}

# Benchmark: a fresh database with N customers holding credits, then the
# run in the request, the floor of bare bills, the naive per-customer loop
# (NAIVE=0 skips it) and the run in the background.
cmd_bench() {
    setup
    local count=${N:-2000} db=${BENCH_DB:-reimbursement_bench}
    bench_database "$db" "$count" bench
    info "Measuring (each way rolled back before the next; the background run, which commits, last)"
    local options=()
    [ "${NAIVE:-1}" = 0 ] && options+=(--no-naive)
    [ "${PHASES:-0}" = 1 ] && options+=(--phases)
    case ${REPEAT:-1} in '' | *[!0-9]* | 0) die "REPEAT must be a positive number, e.g. make bench REPEAT=3." ;; esac
    options+=(--repeat "${REPEAT:-1}")
    "$VENV/bin/python" "$ROOT/tools/bench.py" measure -c "$CONF" -d "$db" -n "$count" "${options[@]}"
}

# Benchmark of paying a run by bank file: a fresh database with N customers
# (default 2000) with trusted bank accounts, their run, then each click of
# OCA's payment order flow timed.
cmd_bench_payment_order() {
    setup
    local count=${N:-2000} db=${BENCH_DB:-reimbursement_bench_payment_order}
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    MODULES=reimbursement_payment_order bench_database "$db" "$count" bench-payment-order
    info "Paying their run by bank file"
    "$VENV/bin/python" "$ROOT/tools/bench_payment_order.py" -c "$CONF" -d "$db"
}

# Benchmark of writing off small, dormant credits: a fresh database with N
# customers (default 2000), their run reimbursed, then written off.
cmd_bench_write_off() {
    setup
    local count=${N:-2000} db=${BENCH_DB:-reimbursement_bench_write_off}
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    bench_database "$db" "$count" bench-write-off
    case ${REPEAT:-1} in '' | *[!0-9]* | 0) die "REPEAT must be a positive number, e.g. make bench-write-off REPEAT=3." ;; esac
    info "Reimbursing their credits, then writing them off (each run rolled back)"
    "$VENV/bin/python" "$ROOT/tools/bench_write_off.py" -c "$CONF" -d "$db" --repeat "${REPEAT:-1}"
}

# Fault test: a background run, its Odoo server killed with SIGKILL mid-run,
# restarted; the run must finish with every credit reimbursed exactly once.
# Then its payment order's upload, killed and restarted the same way: every
# bill paid once.
cmd_faults() {
    setup
    local count=${N:-3000} db=${FAULTS_DB:-reimbursement_faults}
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    MODULES=reimbursement_payment_order bench_database "$db" "$count" faults
    "$VENV/bin/python" "$ROOT/tools/bench_payment_order.py" -c "$CONF" -d "$db" --setup-only
    info "Reimbursing them in the background, then paying the run by payment order, killing the server in the middle of each, restarting it"
    "$VENV/bin/python" "$ROOT/tools/faults.py" --odoo-bin "$ODOO_HOME/odoo-bin" -c "$CONF" -d "$db" \
        --port "${FAULTS_PORT:-8169}" --log-dir "$STATE" --workers "${WORKERS:-0}" --payment-order
}

# Upgrade test: the previous release (its git tag; the commit CHANGELOG.md
# names for it in a clone without tags) installed in a database, runs made
# there, then the database upgraded with this code and everything checked.
cmd_upgrade_test() {
    setup
    local release=${UPGRADE_FROM:-${PREVIOUS_RELEASE[$SERIES]:-}} db=${UPGRADE_DB:-reimbursement_upgrade} ref
    [ -n "$release" ] \
        || die "Odoo $SERIES has no earlier release of the addon to upgrade from: name one with UPGRADE_FROM=<tag>, or use SERIES=$OLDEST_UPGRADE_SERIES."
    local old="$STATE/upgrade-$release" snapshot="$STATE/upgrade-$db.json" log="$STATE/upgrade-$db.log"
    if git -C "$ROOT" rev-parse -q --verify "refs/tags/$release^{commit}" >/dev/null; then
        ref=$release
    else
        ref=$(sed -n "s/^## $release .*(commit \([0-9a-f]*\))$/\1/p" "$ROOT/CHANGELOG.md")
        [ -n "$ref" ] && git -C "$ROOT" cat-file -e "$ref^{commit}" 2>/dev/null \
            || die "release $release has no tag here and CHANGELOG.md names no commit of this clone for it: git fetch --tags."
    fi
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    rm -rf "$old" && mkdir -p "$old"
    git -C "$ROOT" archive "$ref" reimbursement_addon | tar -x -C "$old"
    sed "s|^addons_path = .*|addons_path = $ODOO_HOME/addons,$ODOO_HOME/odoo/addons,$old|" "$CONF" >"$old.conf"
    info "Installing release $release ($ref) in $db and making runs there"
    CONF="$old.conf" create_db "$db" --no-demo
    "$VENV/bin/python" "$ROOT/tools/release_checks.py" make -c "$old.conf" -d "$db" -o "$snapshot"
    info "Upgrading $db with this code (-u reimbursement_addon)"
    odoo_bin -d "$db" -u reimbursement_addon --stop-after-init --log-level=info >"$log" 2>&1 \
        || { tail -n 50 "$log" >&2; die "upgrading $db failed (log: $log)."; }
    if grep -E " (ERROR|CRITICAL) " "$log" >&2; then
        die "upgrading $db logged errors (above; log: $log)."
    fi
    info "Checking the upgraded database"
    "$VENV/bin/python" "$ROOT/tools/release_checks.py" check -c "$CONF" -d "$db" -i "$snapshot"
}

# The wheel of a series: the manifest's series-less version x.y.z is what
# Odoo adapts to <series>.x.y.z when it loads the addon; the wheel carries
# that full version, so whool builds it from a copy of the addon whose
# manifest says <series>.x.y.z (and then requires odoo==<series>.*). Then
# (make wheel-test) it is installed into an empty target beside the venv and
# used from there: a database made with an addons path without this
# repository, one reimbursement made in it.
# make wheel: a wheel per addon (ADDONS) for the series, in dist/.
cmd_wheel() {
    setup
    local addon
    WHEELS=()
    for addon in "${ADDONS[@]}"; do
        build_wheel "$addon"
    done
}

build_wheel() {
    local addon=$1 version stage wheel
    # Outside the repository: whool lists the files git tracks when it can.
    stage=$(mktemp -d)
    version=$(sed -n 's/^ *"version": "\([0-9]*\.[0-9]*\.[0-9]*\)",$/\1/p' "$ROOT/$addon/__manifest__.py")
    [ -n "$version" ] || die "the manifest's version is not x.y.z (series-less): see $addon/__manifest__.py."
    wheel="$ROOT/dist/odoo_addon_$addon-$SERIES.$version-py3-none-any.whl"
    rm -f "$wheel"
    git -C "$ROOT" ls-files -z "$addon" | xargs -0 tar -c -C "$ROOT" | tar -x -C "$stage"
    sed -i "s/^\( *\"version\": \"\)$version\",$/\1$SERIES.$version\",/" "$stage/$addon/__manifest__.py"
    "$VENV/bin/pip" wheel --quiet --no-deps --no-build-isolation -w "$ROOT/dist" "$stage/$addon" \
        || { rm -rf "$stage"; die "building the wheel of $addon with whool failed (above)."; }
    rm -rf "$stage"
    [ -f "$wheel" ] || die "whool built no $wheel: see dist/."
    info "Built dist/$(basename "$wheel") ($(du -k "$wheel" | cut -f1) kB)"
    WHEELS+=("$wheel")
}

cmd_wheel_test() {
    cmd_wheel
    local target="$STATE/wheel-target-$SERIES" db=${WHEEL_DB:-reimbursement_wheel_${SERIES%%.*}}
    rm -rf "$target"
    "$VENV/bin/pip" install --quiet --no-deps --target "$target" "${WHEELS[@]}" \
        || die "installing the wheels into $target failed (above)."
    sed "s|^addons_path = .*|addons_path = $ODOO_HOME/addons,$ODOO_HOME/odoo/addons|" "$CONF" >"$target.conf"
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    info "Installing both addons from their wheels (odoo.addons namespace, no repository on the addons path) in $db"
    PYTHONPATH="$target" CONF="$target.conf" INITDB_CACHE=--no-cache MODULES=reimbursement_payment_order \
        create_db "$db" --no-demo
    PYTHONPATH="$target" "$VENV/bin/python" "$ROOT/tools/release_checks.py" smoke -c "$target.conf" -d "$db" \
        --addon-under "$target"
}

# Each addon's README.rst and static/description/index.html, made from its
# readme/ fragments by tools/readme.py (make lint fails when they are stale).
cmd_readme() {
    find_odoo
    setup_venv
    cd "$ROOT"
    "$VENV/bin/python" tools/readme.py "${ADDONS[@]}"
}

cmd_lint() {
    find_odoo
    setup_venv
    cd "$ROOT"
    info "ruff check"
    "$VENV/bin/ruff" check "${ADDONS[@]}" tools
    info "ruff format --check"
    "$VENV/bin/ruff" format --check "${ADDONS[@]}" tools
    info "pylint-odoo (mandatory and optional checks)"
    "$VENV/bin/pylint" --rcfile=.pylintrc "${ADDONS[@]}"
    info "README.rst and index.html of each addon made from its readme/ (make readme)"
    "$VENV/bin/python" tools/readme.py --check "${ADDONS[@]}"
    info "OCA's module and PO checks (oca-checks-odoo-module, oca-checks-po)"
    setup_oca_checks
    local addon
    for addon in "${ADDONS[@]}"; do
        "$OCA_CHECKS/oca-checks-odoo-module" "$addon"
        "$OCA_CHECKS/oca-checks-po" "$addon"/i18n/*.po "$addon"/i18n/*.pot
        po_status "$addon/i18n/nb.po"
    done
    info "lint clean"
}

# The .pot exported from the installed module by click-odoo-makepot, merged
# into nb.po by msgmerge (a reworded string keeps its old translation, marked
# fuzzy for review), laid out as OCA's PO checks want; then the state of
# nb.po: every entry translated, nothing fuzzy (OCA's checks empty a
# translation the same as its source: each entry needs its own wording).
cmd_i18n() {
    setup
    local db="reimbursement_i18n_$$" addon i18n
    trap 'dropdb --if-exists --force "'"$db"'" >/dev/null 2>&1 || true' EXIT
    setup_oca_checks
    info "Exporting the terms of the installed modules and merging them into nb.po"
    MODULES=reimbursement_payment_order create_db "$db" --no-demo
    local modules
    modules=$(IFS=,; echo "${ADDONS[*]}")
    "$VENV/bin/click-odoo-makepot" -c "$CONF" -d "$db" --addons-dir "$ROOT" -m "$modules" \
        --msgmerge --purge-old-translations >"$STATE/makepot.log" 2>&1 \
        || { cat "$STATE/makepot.log" >&2; die "click-odoo-makepot failed (above)."; }
    # A file whose terms cannot be extracted is only logged: its terms would be lost.
    if grep -E " (ERROR|CRITICAL) " "$STATE/makepot.log" >&2; then
        die "click-odoo-makepot could not extract every term (log: .odoo/makepot.log)."
    fi
    for addon in "${ADDONS[@]}"; do
        i18n="$ROOT/$addon/i18n"
        rm -f "$i18n"/*.po~ # msgmerge's backups
        "$OCA_CHECKS/oca-checks-po" --fix --no-verbose "$i18n"/*.po "$i18n"/*.pot >/dev/null || true
        "$OCA_CHECKS/oca-checks-po" "$i18n"/*.po "$i18n"/*.pot || die "the PO files of $addon fail OCA's checks (above)."
        po_status "$i18n/nb.po"
    done
}

po_status() {
    "$VENV/bin/python" - "$1" <<'PY'
import sys

import polib

po = polib.pofile(sys.argv[1])
entries = [entry for entry in po if not entry.obsolete]
fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
missing = [entry.msgid for entry in entries if not entry.msgstr]
print(f"{sys.argv[1]}: {len(entries)} entries, {len(missing)} untranslated, {len(fuzzy)} fuzzy")
for msgid in missing + fuzzy:
    print(f"  to translate or review: {msgid!r}")
sys.exit(1 if missing or fuzzy else 0)
PY
}

case "${1:-}" in
    test | peer-test) ;;
    upgrade-test) use_series "${SERIES:-$OLDEST_UPGRADE_SERIES}" ;;
    *) use_series "${SERIES:-$NEWEST_SERIES}" ;;
esac
case "${1:-}" in
    setup) setup ;;
    run) cmd_run ;;
    serve) cmd_serve ;;
    test) shift; cmd_test_all "$@" ;;
    odoo-test) cmd_odoo_test ;;
    peer-test) cmd_peer_test_all ;;
    lint) cmd_lint ;;
    readme) cmd_readme ;;
    i18n) cmd_i18n ;;
    screenshots) cmd_screenshots ;;
    screenshots-background) cmd_screenshots_background ;;
    bench) cmd_bench ;;
    bench-payment-order) cmd_bench_payment_order ;;
    bench-write-off) cmd_bench_write_off ;;
    faults) cmd_faults ;;
    upgrade-test) cmd_upgrade_test ;;
    wheel) cmd_wheel ;;
    wheel-test) cmd_wheel_test ;;
    *) die "usage: tools/dev.sh setup|run|serve|test|odoo-test|peer-test|lint|readme|i18n|screenshots|screenshots-background|bench|bench-payment-order|faults|upgrade-test|wheel|wheel-test" ;;
esac
