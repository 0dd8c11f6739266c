from odoo import Command, models

from .. import series


class ResUsers(models.Model):
    _inherit = "res.users"

    def _reimbursement_add_groups(self, group_xmlids):
        """Give these users the groups of ``group_xmlids`` (the demo data's
        accountant, the demo tools' users): the field of a user's groups is
        named differently on each series."""
        self.write({series.USER_GROUPS: [Command.link(self.env.ref(xmlid).id) for xmlid in group_xmlids]})
