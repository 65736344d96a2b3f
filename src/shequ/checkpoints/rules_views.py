"""Pages for a community's gate rules: the communities one sees, and one community's rules in
force in words, the form to change them and their past versions with what each changed.

Rules are read with VIEW_PASSAGES (404 for any other community) and changed with
ISSUE_PASSES (403 with the reason); `services.rules_set` decides what changed, for this page
and the API alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.checkpoints import selectors, services
from shequ.checkpoints.decisions import rules_with_defaults
from shequ.checkpoints.forms import ISOLATION_CHOICES, GateRulesForm
from shequ.checkpoints.models import GateRules
from shequ.core.errors import ValidationError
from shequ.places.models import Place


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def rules_in_words(rules: dict[str, Any]) -> dict[str, str]:
    """Each rule of a full rule set as a line a person reads, keyed like the rules."""
    quota = rules.get("exit_quota")
    labels = dict(ISOLATION_CHOICES)
    statuses = [str(labels.get(s, s)) for s in rules.get("isolation_statuses", [])]
    return {
        "fever_at": _("Fever from %s °C: refused, community alerted.") % rules["fever_at"],
        "require_temperature": _("Temperature must be taken: %s.")
        % _yes_no(rules["require_temperature"]),
        "require_health_code": _("Health code must be shown: %s.")
        % _yes_no(rules["require_health_code"]),
        "star_extra_check": _("Travel code with a star is checked: %s.")
        % _yes_no(rules["star_extra_check"]),
        "require_pass": _("Residents must show their pass: %s.") % _yes_no(rules["require_pass"]),
        "visitors": _("Visitors may come in: %s.") % _yes_no(rules["visitors"]),
        "exit_quota": (
            _("Exit quota: %(people)d people per household in %(days)d days.")
            % {"people": quota["people"], "days": quota["days"]}
            if quota
            else _("Exit quota: none.")
        ),
        "isolation_statuses": _("Treated as in isolation: %s.")
        % ("、".join(statuses) if statuses else _("nobody")),
    }


@login_required
def rules_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's gate rules in force, in words; a form to change them; past versions."""
    community = selectors.get_community_for(request.user, community_id)
    may_set = selectors.may_set_rules(request.user, community)
    version, current = services.current_rules(community)
    form = GateRulesForm(
        request.POST if request.method == "POST" else None,
        initial=GateRulesForm.initial_from(current),
    )
    status = 200
    if request.method == "POST":
        # Refused before the form is read, in the words the service (and the API) use.
        services.require_rules_setter(request.user, community)
        if form.is_valid():
            try:
                row = services.rules_set(
                    actor=request.user, community=community, rules=form.full_rules()
                )
            except ValidationError as exc:
                if "exit_quota" in exc.errors:
                    exc.errors["quota_days"] = exc.errors.pop("exit_quota")
                exc.apply_to_form(form)
            else:
                if row is None:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(request, _("Gate rules saved as version %d.") % row.version)
                return redirect("checkpoints:rules", community.pk)
        status = 400
    page = Paginator(selectors.rules_versions(community), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "checkpoints/rules.html",
        {
            "community": community,
            "version": version,
            "in_force": selectors.rules_in_force(community),
            "words": list(rules_in_words(current).values()),
            "form": form,
            "may_set": may_set,
            "page": page,
            "history": _rules_history(community, list(page.object_list)),
        },
        status=status,
    )


def _rules_history(community: Place, rows: list[GateRules]) -> list[dict[str, Any]]:
    """Each version on the page with what it changed from the version before, in words."""
    out = []
    for row, changed in selectors.rules_changes(community, rows):
        words = rules_in_words(rules_with_defaults(row.rules))
        out.append({"row": row, "changed": [words[k] for k in changed]})
    return out


@login_required
def rules_index(request: HttpRequest) -> HttpResponse:
    """The communities whose gate rules the user sees (one: go straight there)."""
    communities = selectors.rules_communities(request.user)
    first = list(communities[:2])
    if len(first) == 1:
        return redirect("checkpoints:rules", first[0].pk)
    page = Paginator(communities, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "checkpoints/rules_index.html", {"page": page})
