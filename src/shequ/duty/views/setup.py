"""Pages: a planner's duty home, a community's posts and rules, what a shift needs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.duty import planning, selectors, services
from shequ.duty.forms import GenerateForm, PostForm, RequirementForm, RulesForm
from shequ.mobilization.models import SKILL_SET


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Planners: their communities, recent rosters and a 'make a roster' form."""
    home_data = selectors.duty_home_for(request.user)
    if not home_data.has_pages:
        if selectors.my_staff(request.user) is not None:
            return redirect("duty:me")
        raise PermissionDenied(_("Your role has no duty pages."))
    places = list(home_data.places[:500])
    first = next(iter(places), None)
    form = GenerateForm(
        places=places,
        initial={"starts_on": selectors.next_roster_start(first)} if first else None,
    )
    page = Paginator(home_data.rosters, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/home.html",
        {
            "form": form,
            "page": page,
            "communities": home_data.communities,
            "may_plan": home_data.may_plan,
        },
    )


@login_required
def posts_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's posts, their shifts and needs, and its duty rules."""
    community = selectors.get_community_for(request.user, community_id)
    may_plan = selectors.may_plan(request.user, community)
    places = selectors.post_places(community)
    post_form = PostForm(places=places, prefix="post")
    rules = services.rules_for(community)
    rules_form = RulesForm(instance=rules, prefix="rules")
    if request.method == "POST":
        services.require_planner(request.user, community)
        if "post-name" in request.POST:
            post_form = PostForm(request.POST, places=places, prefix="post")
            if post_form.is_valid():
                data = post_form.cleaned_data
                try:
                    services.post_create(
                        actor=request.user,
                        community=community,
                        place=next(p for p in places if str(p.pk) == data["place"]),
                        name=data["name"],
                        kind=data["kind"],
                        opens=data["opens"],
                        closes=data["closes"],
                        pattern=data["pattern"],
                        people=data["people"],
                    )
                except ValidationError as exc:
                    exc.apply_to_form(post_form)
                else:
                    messages.success(request, _("Post added."))
                    return redirect("duty:posts", community.pk)
        else:
            rules_form = RulesForm(request.POST, instance=rules, prefix="rules")
            if rules_form.is_valid():
                try:
                    services.rules_set(
                        actor=request.user,
                        community=community,
                        **{f: rules_form.cleaned_data[f] for f in RulesForm.Meta.fields},
                    )
                except ValidationError as exc:
                    exc.apply_to_form(rules_form)
                else:
                    messages.success(request, _("Rules saved."))
                    return redirect("duty:posts", community.pk)
    posts = selectors.community_posts(community)
    return render(
        request,
        "duty/posts.html",
        {
            "community": community,
            "posts": posts,
            "post_form": post_form,
            "rules_form": rules_form,
            "may_plan": may_plan,
            "pool": len(planning.pool(community)),
        },
    )


@login_required
def requirement_page(request: HttpRequest, shift_id: int) -> HttpResponse:
    """What a shift needs on every day: how many people, a party member, skills, rules."""
    shift = selectors.get_shift_for(request.user, shift_id)
    current = selectors.standing_requirement(shift)
    initial = {
        "min_people": current.min_people if current else 1,
        "max_people": current.max_people if current else 1,
        "party_member": current.party_member if current else False,
        "skills": SKILL_SET.to_list(current.skills) if current else [],
        "rules": current.rules if current else [],
    }
    may_plan = selectors.may_plan(request.user, shift.post.community)
    if request.method == "POST":
        services.require_planner(request.user, shift.post.community)
    form = RequirementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_set(actor=request.user, shift=shift, **form.cleaned_data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Saved."))
            return redirect("duty:posts", shift.post.community_id)
    return render(
        request, "duty/requirement.html", {"shift": shift, "form": form, "may_plan": may_plan}
    )
