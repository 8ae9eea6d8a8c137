"""Information evenings on the residents' side: the municipality's list, an evening's page where a
resident answers without an account (name, e-mail, number of people), the page of their secret
link where they change the answer until the start, and the calendar files and feeds."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core import form_limits
from apps.core.actors import PUBLIC
from apps.meetings import ical, services
from apps.meetings.forms import AnswerForm, PublicAnswerForm
from apps.meetings.models import Meeting, Participant
from apps.municipalities.models import Municipality

from .common import add_service_errors, clear_honeypot, error_summary, private


def public_meetings(municipality: Municipality | None = None):
    """Information evenings still to come, planned or cancelled (a cancelled one stays listed, saying so)."""
    found = Meeting.objects.filter(kind=Meeting.Kind.INFORMATION_EVENING, ends_at__gte=timezone.now())
    if municipality is not None:
        found = found.filter(municipality=municipality)
    return found.select_related("municipality").order_by("starts_at")


def municipality_meetings(request, slug: str):
    municipality = get_object_or_404(Municipality, slug=slug)
    return render(
        request,
        "public/meetings/list.html",
        {"municipality": municipality, "meetings": public_meetings(municipality)},
    )


def _public_meeting(slug: str, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("municipality"),
        kind=Meeting.Kind.INFORMATION_EVENING,
        municipality__slug=slug,
        pk=pk,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def meeting_detail(request, slug: str, pk: int):
    meeting = _public_meeting(slug, pk)
    context = {"meeting": meeting, "free": services.free_places(meeting), "state": "ask"}
    open_ = not meeting.is_cancelled and not meeting.has_started
    if request.method == "POST" and open_:
        limited = form_limits.connection_limited(request, "meeting")
        form = PublicAnswerForm(request.POST)
        if limited:
            context.update(form=form, limited=limited)
            return render(request, "public/meetings/detail.html", context, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answered = services.answer_public(
                    meeting=meeting,
                    name=data["name"],
                    email=data["email"],
                    answer=data["answer"],
                    people=data["people"],
                    language=translation.get_language(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                form_limits.count_accepted(request, "meeting")
                if answered.key:
                    return private(redirect("public:meeting_answer", answered.key))
                context["state"] = "already" if answered.already else "same"
                return render(request, "public/meetings/detail.html", context)
        form_limits.count_refused(request, "meeting")
        clear_honeypot(form)
        context.update(form=form, errors=error_summary(form, unlinked=("website",)))
        return render(request, "public/meetings/detail.html", context, status=400)
    context["form"] = PublicAnswerForm(initial={"people": 1}) if open_ else None
    return render(request, "public/meetings/detail.html", context)


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response


def meeting_ics(request, slug: str, pk: int):
    meeting = _public_meeting(slug, pk)
    return _ics(ical.meeting_calendar(meeting), f"meeting-{meeting.pk}")


@never_cache
@require_http_methods(["GET", "POST"])
def meeting_answer(request, key: str):
    """The resident's own answer, through the secret link of their e-mail: see it and change it
    until the start. A wrong link says so and changes nothing."""
    participant = services.find_by_key(key)
    if participant is None:
        return private(render(request, "public/meetings/answer.html", {"state": "invalid"}, status=404))
    meeting = participant.meeting
    open_ = not meeting.is_cancelled and not meeting.has_started
    status = 200
    initial = {
        "answer": Participant.Answer.YES if participant.answer == Participant.Answer.WAITING else participant.answer,
        "people": participant.people,
    }
    form = AnswerForm(request.POST or None, initial=initial) if open_ else None
    saved = False
    if request.method == "POST":
        if not open_:
            status = 400
        elif form.is_valid():
            try:
                participant = services.change_answer(
                    actor=PUBLIC,
                    participant=participant,
                    answer=form.cleaned_data["answer"],
                    people=form.cleaned_data["people"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                saved = True
        else:
            status = 400
    context = {
        "state": "open" if open_ else ("cancelled" if meeting.is_cancelled else "started"),
        "participant": participant,
        "meeting": meeting,
        "form": form,
        "saved": saved,
        "key": key,
        "errors": error_summary(form) if form is not None and form.errors else [],
    }
    return private(render(request, "public/meetings/answer.html", context, status=status))


def resident_feed(request, key: str):
    participant = services.find_by_key(key)
    if participant is None:
        raise Http404
    meetings = services.feed_meetings_for_resident(participant)
    return private(_ics(ical.feed_calendar(participant.name, meetings), "meetings"))


def staff_feed(request, key: str):
    feed = services.find_feed(key)
    if feed is None:
        raise Http404
    meetings = services.feed_meetings_for_user(feed.user)
    return private(_ics(ical.feed_calendar(feed.user.display_name, meetings), "meetings"))
