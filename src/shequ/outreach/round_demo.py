"""Demo data for a testing round's door-to-door work: in today's running round, the first
community's first building with people still missed is sent to the door and given to a team
of the community, and four of its doors are knocked on (reminded, away, reminded, not found).
Through the services, as a cadre would record it; skipped when the round's walk exists."""

from __future__ import annotations

from shequ.core.models import User
from shequ.mobilization.models import Team
from shequ.outreach import rounds
from shequ.outreach.models import Campaign, CampaignKind
from shequ.places.models import Place, PlaceKind
from shequ.testing import selectors
from shequ.testing.models import Outcome, Round, RoundStatus

DOOR_OUTCOMES = [Outcome.REMINDED, Outcome.AWAY, Outcome.REMINDED, Outcome.NOT_FOUND]


def add_demo_round_doors(*, hq: User) -> dict[str, int]:
    """The missed walk of one building of the running round (see the module)."""
    running = Round.objects.filter(status=RoundStatus.RUNNING).order_by("pk").first()
    if running is None:
        return {}
    if Campaign.objects.filter(round=running, kind=CampaignKind.MISSED_TEST).exists():
        return {}
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    first = Place.objects.filter(kind=PlaceKind.COMMUNITY, parent=street).order_by("code").first()
    if first is None:
        return {}
    missed = list(selectors.missed(running, first)[:200])
    if not missed:
        return {}
    building = missed[0].household.parent
    team = Team.objects.filter(community=first).order_by("pk").first()
    rounds.missed_send(actor=hq, round_=running, building=building, team=team)
    at_door = [r for r in missed if r.household.parent_id == building.pk][:4]
    for k, resident in enumerate(at_door):
        rounds.door_outcome_record(
            actor=hq,
            round_=running,
            resident=resident,
            outcome=DOOR_OUTCOMES[k % len(DOOR_OUTCOMES)],
            note="已电话联系" if k == 0 else "",
        )
    return {"door_outcome": len(at_door)}
