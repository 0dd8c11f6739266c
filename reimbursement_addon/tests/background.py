import json
import threading
from contextlib import contextmanager
from unittest.mock import patch

from odoo import api

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler

from ..models import reimbursement_background_mixin
from . import series as test_series

PROGRESS_GROUP_XMLIDS = reimbursement_background_mixin.PROGRESS_GROUPS


class BackgroundJobCase:
    """Helpers of a test case for a cron job working in the background
    (``reimbursement.background.mixin``), whose XML id is ``cron_xmlid``.

    The job is called as Odoo's cron runner calls it: its own code, in a
    transaction of its own, with a progress record in its context. In a test
    that transaction is a test cursor, whose commits and rollbacks are
    savepoints of the test's transaction.
    """

    cron_xmlid = None

    def setUp(self):
        super().setUp()
        # The job's transaction: a test cursor on this test's one, as HttpCase
        # gives its server.
        test_series.enter_registry_test_mode(self)
        self.cron = self.env.ref(self.cron_xmlid)

    def _run_cron(self):
        """One call of the background job; returns its progress record's
        figures."""
        return self._run_window(1)[0]

    def _run_window(self, calls):
        """``calls`` calls of the background job in a row on one cursor, as
        the cron runner makes them; returns each one's progress figures."""
        self.env.flush_all()
        figures = []
        with self.registry.cursor() as cr:
            # The context of a call by the cron runner.
            env = api.Environment(cr, self.cron.user_id.id, {"cron_id": self.cron.id})
            for _call in range(calls):
                cron, progress = env["ir.cron"].browse(self.cron.id)._add_progress()
                cron.ir_actions_server_id.run()
                figures.append({"done": progress.done, "remaining": progress.remaining})
        self.env.invalidate_all()
        return figures

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def _notifications(self, user):
        """The notifications ``user`` got in the web client."""
        messages = self.env["bus.bus"].sudo().search([("channel", "like", f'"res.partner",{user.partner_id.id}]')])
        return [
            payload["payload"]
            for payload in (json.loads(message.message) for message in messages)
            if payload["type"] == "account_notification"
        ]

    def _progress_messages(self):
        """The progress notifications on the bus, per accounting group."""
        messages = self.env["bus.bus"].sudo().search([], order="id")
        progress = []
        for message in messages:
            payload = json.loads(message.message)
            if payload["type"] == reimbursement_background_mixin.PROGRESS_NOTIFICATION:
                progress.append((json.loads(message.channel)[1:], payload["payload"]))
        return progress

    def _progress_groups(self):
        """The channels of the accounting groups, as _progress_messages()
        gives them."""
        return [["res.groups", self.env.ref(xmlid).id] for xmlid in PROGRESS_GROUP_XMLIDS]


class ProgressTourCase:
    """Helpers of a browser tour watching background work move a form's
    progress bar through Odoo's bus (an HttpCase)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo serves no websocket while a test runs; the browser's bus needs one.
        cls.startClassPatcher(patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True))

    @staticmethod
    def _dispatch_bus_while(stop, channels):
        """Wake the browser's websocket for the accounting groups' channels,
        as PostgreSQL's NOTIFY does outside tests (the test transaction is
        never committed, so Odoo's bus cannot do it itself). The channels
        come from the test's thread: the test cursor is not for this one."""
        while not stop.wait(0.5):
            for channel in channels:
                for websocket in list(dispatch._channels_to_ws.get(channel, ())):
                    websocket.trigger_notification_dispatching()

    @contextmanager
    def _progress_bus(self):
        """While in it, the progress the background job sends reaches the
        browser."""
        channels = [
            hashable(channel_with_db(self.registry.db_name, self.env.ref(xmlid))) for xmlid in PROGRESS_GROUP_XMLIDS
        ]
        stop = threading.Event()
        dispatcher = threading.Thread(target=self._dispatch_bus_while, args=(stop, channels), daemon=True)
        dispatcher.start()
        try:
            yield
        finally:
            stop.set()
            dispatcher.join()
