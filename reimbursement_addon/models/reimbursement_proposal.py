"""Plain-Python data of the reimbursement engine: the open items of a
customer and the reimbursements proposed from them.

A proposal is what a run line records while the run is a draft, and what
posting computes again, under lock, to check that the line still holds.
"""

import json
from dataclasses import dataclass, field
from datetime import date

from odoo import models

# Why a customer's credit is not proposed (keys of the "skipped" mapping).
SKIP_OPEN_DEBITS = "open_debits"
SKIP_BELOW_MINIMUM = "below_minimum"
SKIP_NOT_DORMANT = "not_dormant"
SKIP_DEBITS_EXCEED = "debits_exceed"

# What a run line does with a customer's credit (account.reimbursement.line.kind).
KIND_REIMBURSEMENT = "reimbursement"
KIND_WRITE_OFF = "write_off"
LINE_KINDS = [(KIND_REIMBURSEMENT, "Reimbursement"), (KIND_WRITE_OFF, "Write-off")]


def analytic_key(distribution):
    """Hashable, order-independent form of an analytic distribution."""
    return json.dumps(distribution, sort_keys=True) if distribution else ""


def proposal_key(customer_id, currency_id, account_id, distribution, kind=KIND_REIMBURSEMENT):
    """Identity of a reimbursement (or write-off): the same between a
    proposal and the line that records it, and between two computations of
    it. A credit written off that has grown into a reimbursement since is
    another one."""
    key = f"{customer_id}-{currency_id}-{account_id or 0}-{analytic_key(distribution)}"
    return key if kind == KIND_REIMBURSEMENT else f"{kind}-{key}"


def customer_and_currency_ids(key):
    """The (customer id, currency id) of a proposal ``key``."""
    customer_id, currency_id = key.removeprefix(f"{KIND_WRITE_OFF}-").split("-")[:2]
    return int(customer_id), int(currency_id)


@dataclass
class OpenItem:
    """An open journal item on a customer's receivable account."""

    line_id: int
    date: date
    account: models.BaseModel
    analytic: dict | None
    residual: float
    residual_currency: float

    @property
    def analytic_key(self):
        return analytic_key(self.analytic)


@dataclass
class Proposal:
    """One reimbursement to make: a customer's credit items (and, when
    offsetting, its debit items) in one currency, paid out by one bill; or,
    of ``kind`` write-off, written off to the company's write-off account."""

    customer: models.BaseModel
    currency: models.BaseModel
    company_currency: models.BaseModel
    items: list[OpenItem]
    account: models.BaseModel
    analytic: dict | None
    kind: str = KIND_REIMBURSEMENT
    amount: float = field(init=False)
    amount_company_currency: float = field(init=False)

    def __post_init__(self):
        self.amount = self.currency.round(-sum(item.residual_currency for item in self.items))
        self.amount_company_currency = self.company_currency.round(-sum(item.residual for item in self.items))

    @property
    def key(self):
        return proposal_key(self.customer.id, self.currency.id, self.account.id, self.analytic, self.kind)

    @property
    def item_ids(self):
        return {item.line_id for item in self.items}


@dataclass
class Skipped:
    """A customer's credit that is not proposed, and why."""

    reason: str
    customer: models.BaseModel
    currency: models.BaseModel | None = None
    amount: float = 0.0
    # The open debits that take the credit up (SKIP_DEBITS_EXCEED), and
    # then ``amount`` is the credit itself.
    debits: float = 0.0
