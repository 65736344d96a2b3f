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
from shequ.testing import labwork, selectors, snapshot
from shequ.testing.forms import TransferSendForm


@login_required
def transfers(request: HttpRequest, round_id: int) -> HttpResponse:
    """Closed tubes not yet sent, per community the user runs testing for, and the round's
    transfers. POST sends the ticked tubes under one transfer number."""
    round_ = selectors.get_round_for(request.user, round_id)
    communities = snapshot.transfer_communities(request.user, round_)
    if not communities:
        raise Http404("community")
    form = TransferSendForm(
        request.POST if request.method == "POST" else None, communities=communities
    )
    posted = form.is_valid()  # every other field is optional: valid with a community of ours
    errors: dict[str, str] = {k: " ".join(v) for k, v in form.errors.items()}
    # Tubes go only from the community the sender chose (an unknown one is refused, never
    # read as the first); a page that only looks falls back to the first.
    wanted = form.cleaned_data["community"] if posted else request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == str(wanted)), communities[0])
    closed = snapshot.closed_tubes(round_, community)
    code = form.cleaned_data.get("code") if form.is_bound else ""
    code = code or f"J-{timezone.localtime():%m%d-%H%M}"
    # Nothing is ever ticked for the sender; without the page's script the count is blank
    # and a confirmation shows it first.
    ticked: list[str] = form.cleaned_data.get("tube", []) if form.is_bound else []
    confirmed = form.confirmed() if posted else None
    confirming = False
    if posted:
        if ticked and confirmed is None:
            confirming = True
        else:
            try:
                t = labwork.transfer_create(
                    actor=request.user, round_=round_, community=community, code=code,
                    barcodes=ticked, confirmed=confirmed if ticked else None,
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
    sent = snapshot.transfers_of(round_, community)
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
