"""A real SMTP server on 127.0.0.1 for the tests of the e-mails the
customers get: Odoo's mail queue delivers to it, and the test reads what it
accepted."""

import email
import socket
from contextlib import contextmanager
from email.policy import default as default_policy
from unittest.mock import patch

from aiosmtpd.controller import Controller

from odoo.modules import module


class SmtpSink:
    """aiosmtpd handler keeping every message the server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_delivery():
    """Odoo skips SMTP delivery while a test runs: inside this block it
    delivers for real."""
    with patch.object(module, "current_test", False):
        yield


class SmtpServerCase:
    """Mixin of a test class: a real SMTP server for the class, Odoo's only
    outgoing mail server, and its messages emptied before each test."""

    @classmethod
    def _start_smtp_server(cls):
        cls.sink = SmtpSink()
        cls.smtp = Controller(cls.sink, hostname="127.0.0.1", port=_free_port())
        cls.smtp.start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.env["ir.mail_server"].search([]).active = False
        cls.env["ir.mail_server"].create(
            {
                "name": "Test SMTP on 127.0.0.1",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
            }
        )

    def setUp(self):
        super().setUp()
        self.sink.messages.clear()

    def _deliver(self, mails):
        with smtp_delivery():
            # As the mail queue's cron sends them, without its commits.
            mails.send(auto_commit=False)
