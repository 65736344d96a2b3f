"""The transfer page (交接单): a community's staff pack closed tubes for the lab, and see the
transfers of the round with what the lab counted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core.errors import ValidationError
from shequ.testing import selectors, services


@login_required
def transfers(request: HttpRequest, round_id: int) -> HttpResponse:
    """Closed tubes not yet sent, per community the user runs testing for, and the round's
    transfers. POST sends the ticked tubes under one transfer number."""
    round_ = selectors.get_round_for(request.user, round_id)
    communities = selectors.transfer_communities(request.user, round_)
    if not communities:
        raise Http404("community")
    wanted = request.POST.get("community") or request.GET.get("community") or ""
    community = next((c for c in communities if str(c.pk) == wanted), communities[0])
    closed = selectors.closed_tubes(round_, community)
    errors: dict[str, str] = {}
    code = request.POST.get("code", "").strip() or f"J-{timezone.localtime():%m%d-%H%M}"
    ticked = request.POST.getlist("tube")
    # How many tubes the sender saw they send: the page's script keeps it equal to the ticks
    # (the button reads "Send 2 tubes"); with no script it is blank and a confirmation shows
    # the count first. Nothing is ever ticked for the sender.
    confirmed = request.POST.get("count", "").strip()
    confirming = False
    if request.method == "POST":
        if ticked and not confirmed.isdigit():
            confirming = True
        else:
            try:
                t = services.transfer_create(
                    actor=request.user, round_=round_, community=community, code=code,
                    barcodes=ticked, confirmed=int(confirmed) if ticked else None,
                )  # fmt: skip
            except ValidationError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Transfer %(code)s: %(n)d tubes to the lab.")
                    % {"code": t.code, "n": t.tube_count},
                )
                return redirect(f"{request.path}?community={community.pk}")
    sent = selectors.transfers_of(round_, community)
    return render(
        request,
        "testing/transfers.html",
        {
            "round": round_,
            "communities": communities,
            "community": community,
            "closed": closed,
            "ticked": set(ticked),
            "chosen": [t for t in closed if t.barcode in set(ticked)] if confirming else [],
            "confirming": confirming,
            "code": code,
            "errors": errors,
            "sent": sent,
            "send_label": send_label(len(ticked)),
            "words": {
                "none": _("Tick the tubes to send"),
                "one": send_label(1),
                "other": ngettext("Send %(n)s tube", "Send %(n)s tubes", 2),
            },
        },
        status=400 if errors else 200,
    )


def send_label(n: int) -> str:
    """The send button's words for `n` ticked tubes ("Send 2 tubes")."""
    if n == 0:
        return _("Send the ticked tubes")
    return ngettext("Send %(n)s tube", "Send %(n)s tubes", n) % {"n": n}
