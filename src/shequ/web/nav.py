"""The one navigation: every section a user can open, their own work first.

Each item names its page and says, from the user's capabilities (and, for a cadre or a
volunteer, from their own shifts and duty), whether that page has something for them. The
base template renders the list twice: across the top on a desk, as a bottom tab bar with a
menu on a phone. tests/web/test_nav.py opens every item as every role: an item shown answers
200, an item hidden is one the role cannot open (refused, redirected, or an empty page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

_CACHE = "_shequ_nav_facts"


class Facts:
    """What the items ask about one user, each looked up once per request."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._known: dict[str, object] = {}

    def _once(self, key: str, find: Callable[[], object]) -> object:
        if key not in self._known:
            self._known[key] = find()
        return self._known[key]

    def may(self, capability: str) -> bool:
        """Whether any of the user's roles has the capability somewhere."""
        return not scope_for(self.user, capability).is_empty

    def staff(self) -> Model | None:
        """The user's own cadre or volunteer record, if they have one."""
        from shequ.duty.selectors import my_staff

        return self._once("staff", lambda: my_staff(self.user))

    def communities(self, capability: str) -> bool:
        """Whether a community lies in the user's scope for the capability."""
        if not self.may(capability):
            return False
        scope = scope_for(self.user, capability)
        return bool(
            self._once(
                f"communities:{capability}",
                lambda: Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).exists(),
            )
        )

    def gates(self) -> bool:
        """Whether the gate pages have anything: a gate to guard, passages or passes to see."""
        from shequ.checkpoints.selectors import gates_for

        if self.communities(Capability.VIEW_PASSAGES) or self.communities(Capability.ISSUE_PASSES):
            return True
        if not self.may(Capability.GUARD_GATES) and self.staff() is None:
            return False
        return bool(self._once("gates", lambda: gates_for(self.user).exists()))

    def testing(self) -> bool:
        """Whether the testing pages have rounds to see or a site to sample at."""
        from shequ.testing.selectors import sampling_sites

        if self.may(Capability.VIEW_TESTING) or self.may(Capability.RUN_TESTING):
            return True
        # A lab is sent on to its own page (the Lab item).
        if self.may(Capability.RECORD_RESULTS) or self.staff() is None:
            return False
        return bool(self._once("sites", lambda: sampling_sites(self.user).exists()))

    def duty_desk(self) -> bool:
        """Whether the duty desk (rosters, calls, hours) opens rather than sending the user to
        their own shifts: they plan duty somewhere or see rosters."""
        from shequ.duty.selectors import planning_places, rosters_for

        return bool(
            self._once(
                "duty_desk",
                lambda: (
                    (self.may(Capability.PLAN_DUTY) and planning_places(self.user).exists())
                    or (self.may(Capability.VIEW_DUTY) and rosters_for(self.user).exists())
                ),
            )
        )

    def helps(self) -> bool:
        """Whether the help queue has a community for the user: they see, manage or claim
        help requests somewhere."""
        from shequ.assistance.selectors import SEEING

        return any(self.may(capability) for capability in SEEING)

    def called(self) -> bool:
        """Whether an order has called the user (their own mobilization page lists it)."""
        from shequ.mobilization.selectors import my_enlistments

        if self.staff() is None:
            return False
        return bool(self._once("called", lambda: my_enlistments(self.user).exists()))

    def reports(self) -> bool:
        """Whether the daily reports open: reports of places, or agencies' own reports."""
        from shequ.reports.selectors import may_see_reports

        return bool(self._once("reports", lambda: may_see_reports(self.user)))

    def inspections(self) -> bool:
        """Whether the inspections open: the user inspects, or follows rectifications up."""
        from shequ.inspections.selectors import may_see

        return bool(self._once("inspections", lambda: may_see(self.user)))

    def patrols(self) -> bool:
        """Whether the disinfection checklist opens: the user sees a community's rounds."""
        from shequ.patrols.selectors import may_see

        return bool(self._once("patrols", lambda: may_see(self.user)))

    def outreach(self) -> bool:
        """Whether the door-to-door pages open: campaigns in scope, or buildings given."""
        from shequ.outreach.selectors import may_see

        return bool(self._once("outreach", lambda: may_see(self.user)))

    def mobilized(self) -> bool:
        """Whether the mobilization board shows orders to the user."""
        from shequ.mobilization.selectors import has_mobilization_role

        return bool(self._once("mobilized", lambda: has_mobilization_role(self.user)))


def facts_for(user: User) -> Facts:
    """The user's Facts, kept on the user object for the request."""
    facts = user.__dict__.get(_CACHE)
    if facts is None:
        facts = user.__dict__[_CACHE] = Facts(user)
    return facts


@dataclass(frozen=True)
class NavItem:
    key: str  # also the data-testid: nav-<key>
    url_name: str
    label: Promise
    shown: Callable[[Facts], bool]
    # The messages item shows the unread count (web/inbox_badge.html).
    badge: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _always(facts: Facts) -> bool:
    return True


def _has_staff(facts: Facts) -> bool:
    return facts.staff() is not None


# In order: a person's own work (shifts, gate, lab, messages), then the desk sections.
ITEMS: tuple[NavItem, ...] = (
    NavItem("my-shifts", "duty:me", _("My shifts"), _has_staff),
    NavItem("gates", "checkpoints:home", _("Gates"), Facts.gates),
    NavItem("lab", "testing:lab", _("Lab"), lambda f: f.may(Capability.RECORD_RESULTS)),
    NavItem("inbox", "web:inbox", _("Messages"), _always, badge=True),
    NavItem("help", "assistance:queue", _("Help requests"), Facts.helps),
    NavItem("supplies", "supplies:stock", _("Supplies"), lambda f: f.may(Capability.VIEW_SUPPLIES)),
    NavItem(
        "requisitions",
        "supplies:requisitions",
        _("Requisitions"),
        lambda f: any(
            f.may(c)
            for c in (
                Capability.REQUEST_SUPPLIES,
                Capability.APPROVE_REQUISITIONS,
                Capability.VIEW_SUPPLIES,
            )
        ),
    ),
    NavItem("isolation", "assistance:isolation", _("Isolation at home"), Facts.helps),
    NavItem("watch", "assistance:watch", _("Watch list"), Facts.helps),
    NavItem("home", "web:home", _("Home"), _always),
    NavItem("testing", "testing:home", _("Testing"), Facts.testing),
    NavItem("my-duty", "mobilization:me", _("My duty"), Facts.called),
    NavItem("places", "places:tree", _("Places"), lambda f: f.may(Capability.VIEW_PLACES)),
    NavItem(
        "residents", "residents:list", _("Residents"), lambda f: f.may(Capability.VIEW_RESIDENTS)
    ),
    NavItem("mobilization", "mobilization:board", _("Mobilization"), Facts.mobilized),
    NavItem("duty", "duty:home", _("Duty"), Facts.duty_desk),
    NavItem("users", "core_users:list", _("Users"), lambda f: f.may(Capability.MANAGE_USERS)),
    NavItem("reports", "reports:home", _("Daily reports"), Facts.reports),
    NavItem("inspections", "inspections:home", _("Inspections"), Facts.inspections),
    NavItem("patrols", "patrols:checklist", _("Disinfection and patrols"), Facts.patrols),
    NavItem("notices", "notices:list", _("Notices"), lambda f: f.may(Capability.PUBLISH_NOTICES)),
    NavItem("outreach", "outreach:home", _("Door-to-door"), Facts.outreach),
)


def items_for(user: User) -> list[NavItem]:
    """The navigation items the user can open, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    facts = facts_for(user)
    return [item for item in ITEMS if item.shown(facts)]


@dataclass(frozen=True)
class NavLink:
    """An item as the base template shows it."""

    key: str
    url: str
    label: Promise
    badge: bool
    current: bool


def links_for(user: User, path: str) -> list[NavLink]:
    """The user's items with their URLs; `current` marks the section `path` lies in."""
    items = [(item, item.url) for item in items_for(user)]
    # The longest URL the path starts with: /duty/me/ is My shifts, not the duty desk.
    within = [url for _item, url in items if path == url or (url != "/" and path.startswith(url))]
    best = max(within, key=len, default=None)
    return [NavLink(item.key, url, item.label, item.badge, url == best) for item, url in items]


class Capabilities:
    """`{% if nav_may.manage_needs %}` in a template: whether the user has the capability
    anywhere (to hide a button that would answer 403)."""

    def __init__(self, user: User) -> None:
        self.user = user

    def __getitem__(self, capability: str) -> bool:
        if capability not in Capability.values:
            raise KeyError(capability)
        return facts_for(self.user).may(capability)
