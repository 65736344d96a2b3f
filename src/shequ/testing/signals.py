"""What testing asks of the door-to-door work it does not hold (issue #21).

Home sampling (上门采样) and the missed-test walk are tasks of `outreach`'s campaigns, and
outreach sits above testing in the dependency order: testing never imports it. Instead testing
sends these signals, and outreach connects its receivers in its AppConfig.ready:

- `home_sampling_wanted`: a round asks for residents to be sampled at home — the immobile
  when a round opens, the members of a recalled pool (retest / resample). Keyword arguments:
  `actor`, `round` (a Round), `residents` (a list of Residents), `reason` (a `HomeReason`
  value), `recall` (the Recall, or None). Sent inside the asking service's transaction.
- `home_visits_lookup`: the swab ingest asks what the home visits named by the items'
  `home_task_id` are. Keyword arguments: `actor`, `ids` (a set of ids). A receiver answers a
  dict {id: HomeVisit} of the visits the actor may sample at (any other id is refused).
- `home_swabs_recorded`: swabs taken at home were recorded. Keyword arguments: `actor`,
  `done` ({visit id: Sample id}), `at` (when). Sent inside the ingest's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

home_sampling_wanted = Signal()
home_visits_lookup = Signal()
home_swabs_recorded = Signal()


@dataclass(frozen=True)
class HomeVisit:
    """A home visit as the swab ingest needs it: its round and resident, the community whose
    tubes it uses, and whether its swab is a single-tube retest (a recalled pool)."""

    pk: int
    round_id: int
    resident_id: int
    community_id: int
    retest: bool


def home_visits(actor: Any, ids: set[int]) -> dict[int, HomeVisit]:
    """The home visits among `ids` that `actor` may sample at (every receiver's answer)."""
    found: dict[int, HomeVisit] = {}
    if not ids:
        return found
    for _receiver, answer in home_visits_lookup.send(sender=HomeVisit, actor=actor, ids=ids):
        found.update(answer or {})
    return found
