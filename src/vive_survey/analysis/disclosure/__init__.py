"""Statistical disclosure control (`disclosure.min_cell_n`): the rule set is in `rules`."""

from vive_survey.analysis.disclosure.complement import complete_family
from vive_survey.analysis.disclosure.ledger import GroupLedger
from vive_survey.analysis.disclosure.rules import SUPPRESSED, suppress

__all__ = ["SUPPRESSED", "GroupLedger", "complete_family", "suppress"]
