"""Meetings on the desk (``apps.meetings``): the coordinator plans them, invites, follows the
answers, keeps attendance and minutes, cancels; the invited staff see their invitations, answer
them, and take the calendar file or their personal calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.actors import is_person
from apps.meetings import ical, services
from apps.meetings.forms import AnswerForm, AttendanceForm, CancelForm, InviteForm, MeetingForm, MinutesForm
from apps.meetings.models import CalendarFeed, Meeting, Participant
from apps.meetings.permissions import can_organise, invitations_for, organised_meetings, visible_meetings
from apps.municipalities.permissions import municipalities_for

from .common import add_errors, int_or_none, render, staff_view


def _organised(request, pk: int) -> Meeting:
    return get_object_or_404(organised_meetings(request.user).select_related("municipality"), pk=pk)


def _visible(request, pk: int) -> Meeting:
    return get_object_or_404(visible_meetings(request.user).select_related("municipality"), pk=pk)


@staff_view
def meeting_list(request):
    """What the user organises (coming, then past) and their own invitations, with the calendar feed."""
    return _list(request)


def _list(request, feed_url: str = ""):
    now = timezone.now()
    organised = organised_meetings(request.user).select_related("municipality")
    invitations = (
        invitations_for(request.user)
        .filter(meeting__ends_at__gte=now - timezone.timedelta(days=30))
        .select_related("meeting", "meeting__municipality")
        .order_by("meeting__starts_at")
    )
    return render(
        request,
        "staff/meetings/list.html",
        {
            "coming": organised.filter(ends_at__gte=now).order_by("starts_at"),
            "past": organised.filter(ends_at__lt=now).order_by("-starts_at")[:20],
            "invitations": invitations,
            "municipalities": municipalities_for(request.user),
            "has_feed": CalendarFeed.objects.filter(user=request.user).exists(),
            "feed_url": feed_url,
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    municipalities = list(municipalities_for(request.user))
    if not municipalities:
        raise PermissionDenied
    chosen = int_or_none(request.GET.get("gemeente") or request.POST.get("gemeente"))
    municipality = next((m for m in municipalities if m.pk == chosen), municipalities[0] if chosen is None else None)
    if municipality is None:
        raise Http404
    form = MeetingForm(request.POST or None, initial={"kind": Meeting.Kind.INFORMATION_EVENING})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.save_meeting(actor=request.user, municipality=municipality, data=form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is planned. Invite the people it is for."))
            return redirect("staff:meeting_detail", meeting.pk)
    return render(
        request,
        "staff/meetings/form.html",
        {"form": form, "municipality": municipality, "municipalities": municipalities, "meeting": None},
        status=400 if form.errors else 200,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = _organised(request, pk)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_of(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_meeting(
                actor=request.user, municipality=meeting.municipality, data=form.cleaned_data, meeting=meeting
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is saved."))
            return redirect("staff:meeting_detail", meeting.pk)
    return render(
        request,
        "staff/meetings/form.html",
        {"form": form, "municipality": meeting.municipality, "meeting": meeting},
        status=400 if form.errors else 200,
    )


def _detail(request, meeting: Meeting, *, status: int = 200, **forms):
    organiser = can_organise(request.user, meeting)
    own = Participant.objects.filter(meeting=meeting, user=request.user).first() if is_person(request.user) else None
    context = {"meeting": meeting, "organiser": organiser, "own": own}
    if own is not None:
        context["answer_form"] = forms.get("answer_form") or AnswerForm(
            initial={
                "answer": own.answer
                if own.answer in ("yes", "maybe", "no")
                else ("yes" if own.answer == "waiting" else None),
                "people": own.people,
            }
        )
    if organiser:
        participants = meeting.participants.select_related("user").order_by("answer", "name", "pk")
        context.update(
            counts=services.counts(meeting),
            free=services.free_places(meeting),
            participants=participants,
            waiting=meeting.participants.filter(answer=Participant.Answer.WAITING).order_by("waiting_since", "pk"),
            invite_form=forms.get("invite_form") or InviteForm(meeting=meeting),
            cancel_form=forms.get("cancel_form") or CancelForm(),
            attendance_form=forms.get("attendance_form")
            or AttendanceForm(
                meeting=meeting,
                initial={
                    "attendance_count": meeting.attendance_count,
                    "present": [p.pk for p in participants if p.attended],
                },
            ),
            minutes_form=forms.get("minutes_form") or MinutesForm(initial={"minutes": meeting.minutes}),
            open=not meeting.is_cancelled and not meeting.has_started,
        )
    return render(request, "staff/meetings/detail.html", context, status=status)


@staff_view
def meeting_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


def _post(request, pk: int, form_name: str, form, call, done: str):
    """A POST of one of the detail page's forms: the service, then back to the page; an error
    shows the page again with the form and its message, nothing changed."""
    meeting = _organised(request, pk)
    if form.is_valid():
        try:
            call(meeting, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("staff:meeting_detail", meeting.pk)
    meeting.refresh_from_db()
    return _detail(request, meeting, status=400, **{form_name: form})


@staff_view
@require_POST
def meeting_invite(request, pk: int):
    meeting = _organised(request, pk)
    form = InviteForm(request.POST, meeting=meeting)

    def call(meeting, data):
        count = services.invite(
            actor=request.user,
            meeting=meeting,
            roles=data["roles"],
            groups=list(data["groups"]),
            sub_municipalities=list(data["sub_municipalities"]),
        )
        messages.info(request, _("Invitations sent: %(count)s.") % {"count": count})

    return _post(request, pk, "invite_form", form, call, _("The invitations are on their way."))


@staff_view
@require_POST
def meeting_cancel(request, pk: int):
    form = CancelForm(request.POST)
    return _post(
        request,
        pk,
        "cancel_form",
        form,
        lambda meeting, data: services.cancel_meeting(actor=request.user, meeting=meeting, reason=data["reason"]),
        _("The meeting is cancelled; everyone who answered is told."),
    )


@staff_view
@require_POST
def meeting_attendance(request, pk: int):
    meeting = _organised(request, pk)
    form = AttendanceForm(request.POST, meeting=meeting)
    return _post(
        request,
        pk,
        "attendance_form",
        form,
        lambda meeting, data: services.record_attendance(
            actor=request.user, meeting=meeting, count=data["attendance_count"], present=data["present"]
        ),
        _("The attendance is saved."),
    )


@staff_view
@require_POST
def meeting_minutes(request, pk: int):
    form = MinutesForm(request.POST, request.FILES)
    return _post(
        request,
        pk,
        "minutes_form",
        form,
        lambda meeting, data: services.save_minutes(
            actor=request.user, meeting=meeting, text=data["minutes"], upload=data.get("minutes_file")
        ),
        _("The minutes are saved."),
    )


@staff_view
def meeting_minutes_file(request, pk: int):
    meeting = _visible(request, pk)
    if not meeting.minutes_file:
        raise Http404
    response = FileResponse(meeting.minutes_file.open("rb"), content_type=meeting.minutes_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    ext = meeting.minutes_file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.{ext}"'
    return response


@staff_view
@require_POST
def meeting_answer(request, pk: int):
    """An invited staff member answers their invitation on the desk."""
    meeting = _visible(request, pk)
    own = get_object_or_404(invitations_for(request.user), meeting=meeting)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            own = services.change_answer(
                actor=request.user,
                participant=own,
                answer=form.cleaned_data["answer"],
                people=form.cleaned_data["people"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if own.answer == Participant.Answer.WAITING:
                messages.info(
                    request,
                    _("The room is full: you are on the waiting list. You will be told when a place becomes free."),
                )
            else:
                messages.success(request, _("Your answer is saved."))
            return redirect("staff:meeting_detail", meeting.pk)
    return _detail(request, meeting, status=400, answer_form=form)


@staff_view
def meeting_ics(request, pk: int):
    meeting = _visible(request, pk)
    response = HttpResponse(ical.meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@staff_view
@require_POST
def meeting_feed_create(request):
    """A new secret address of the user's calendar feed, shown once on this answer only (it is kept
    nowhere in clear, not in the session either)."""
    key = services.create_feed(actor=request.user)
    return _list(request, feed_url=request.build_absolute_uri(reverse("public:meeting_feed", args=[key])))
