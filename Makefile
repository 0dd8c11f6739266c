# The project's entry points; tools/dev.sh does the work (set-up included).
# SERIES=18.0|19.0 picks the Odoo series: run, serve and the others default to
# the newest (19.0); test runs on every supported series in turn unless given.
.PHONY: run serve test odoo-test peer-test faults lint setup readme i18n screenshots screenshots-background bench bench-payment-order bench-write-off upgrade-test wheel wheel-test

run:   ## serve the demo database on http://localhost:8069 (admin / admin); DEMO_CUSTOMERS=10000 adds customers
	@SERIES=$(SERIES) DEMO_CUSTOMERS=$(DEMO_CUSTOMERS) bash tools/dev.sh run

serve: ## serve the existing demo database again, without recreating it (after a crash or a restart)
	@SERIES=$(SERIES) bash tools/dev.sh serve

test:  ## fresh database, install the addon, run the whole test suite (on 18.0, then 19.0; SERIES= for one; PARALLEL=1 side by side)
	@SERIES=$(SERIES) PARALLEL=$(PARALLEL) bash tools/dev.sh test $(PYTEST_ARGS)

odoo-test: ## the suite through Odoo's own runner (odoo-bin --test-tags), failing when it runs another number of tests than make test's pytest did
	@SERIES=$(SERIES) bash tools/dev.sh odoo-test

peer-test: ## OCA's and Odoo's own test suites with our modules installed, each failure compared without them (BASELINE=1 runs all without them too)
	@SERIES=$(SERIES) BASELINE=$(BASELINE) bash tools/dev.sh peer-test

bench-payment-order: ## time each click of paying a run of N customers by bank file (make bench-payment-order N=5000; default 2000)
	@SERIES=$(SERIES) N=$(N) bash tools/dev.sh bench-payment-order

bench-write-off: ## time a run of N customers' credits written off against the same reimbursed (make bench-write-off N=5000 [REPEAT=3]; default 2000)
	@SERIES=$(SERIES) N=$(N) REPEAT=$(REPEAT) bash tools/dev.sh bench-write-off

faults: ## a background run survives its Odoo server killed with SIGKILL (make faults [N=3000] [WORKERS=2])
	@SERIES=$(SERIES) N=$(N) WORKERS=$(WORKERS) bash tools/dev.sh faults

lint:  ## ruff and pylint-odoo
	@SERIES=$(SERIES) bash tools/dev.sh lint

setup: ## virtualenv .venv-<series>, requirements, Odoo and PostgreSQL checks only
	@SERIES=$(SERIES) bash tools/dev.sh setup

readme: ## each addon's README.rst and static/description/index.html, made from its readme/ fragments
	@SERIES=$(SERIES) bash tools/dev.sh readme

i18n:  ## regenerate the .pot and merge it into nb.po
	@SERIES=$(SERIES) bash tools/dev.sh i18n

screenshots: ## README screenshots of the demo served by make run
	@SERIES=$(SERIES) bash tools/dev.sh screenshots

screenshots-background: ## a 10,000-customer run from the browser, in the background (on make run DEMO_CUSTOMERS=10000)
	@SERIES=$(SERIES) bash tools/dev.sh screenshots-background

bench: ## benchmark a run over N customers (make bench N=10000 [NAIVE=0] [PHASES=1] [REPEAT=3]; default 2000)
	@SERIES=$(SERIES) N=$(N) NAIVE=$(NAIVE) PHASES=$(PHASES) REPEAT=$(REPEAT) bash tools/dev.sh bench

upgrade-test: ## a database of the previous release (18.0.1.0.0 on 18.0) upgraded with this code, then checked
	@SERIES=$(SERIES) bash tools/dev.sh upgrade-test

wheel: ## build dist/odoo_addon_<addon>-<series>.<version>-py3-none-any.whl of both addons with whool
	@SERIES=$(SERIES) bash tools/dev.sh wheel

wheel-test: ## install both wheels outside the repository, make one reimbursement with them
	@SERIES=$(SERIES) bash tools/dev.sh wheel-test
