"""The figures dashboard (/beheer/cijfers/): a municipality's figures for its coordinators and
the police of its zone, a zone's for its officers; with the yearly report (page and PDF) and the
downloads (CSV, XLSX). Every number comes from ``apps.figures``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.figures import exports, permissions, report, tables
from apps.figures.period import Period, PeriodForm, read_period
from apps.figures.services import compute

from .common import error_text, render, staff_view

KINDS = {"gemeente": "municipality", "zone": "zone"}


def _scope(request, kind: str, pk: int):
    if kind not in KINDS:
        raise Http404
    if kind == "zone":
        return permissions.zone_scope(request.user, pk)
    return permissions.municipality_scope(request.user, pk)


def _urls(kind: str, pk: int) -> dict[str, str]:
    return {
        name: reverse(f"staff:figures_{name}", kwargs={"kind": kind, "pk": pk})
        for name in ("dashboard", "csv", "xlsx", "report", "pdf")
    }


@staff_view
def figures_home(request):
    kind, pk = permissions.default_scope(request.user)
    return redirect("staff:figures_dashboard", kind="zone" if kind == "zone" else "gemeente", pk=pk)


@staff_view
def figures_dashboard(request, kind: str, pk: int):
    scope, exact = _scope(request, kind, pk)
    form = PeriodForm(request.GET if ("from" in request.GET or "to" in request.GET) else None)
    context = {"scope": scope, "kind": kind, "form": form, "urls": _urls(kind, pk), "exact": exact}
    if form.is_bound and not form.is_valid():
        return render(request, "staff/figures/dashboard.html", context, status=400)
    period = form.cleaned_data["period"] if form.is_bound else Period.default()
    if not form.is_bound:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    figures = compute(scope, period, exact=exact)
    context.update(
        form=form,
        figures=figures,
        sections=tables.sections(figures),
        query=period.query(),
        year=timezone.localdate().year - 1,
    )
    return render(request, "staff/figures/dashboard.html", context)


def _period_or_400(request) -> Period | HttpResponse:
    try:
        return read_period(request.GET)
    except ValidationError as exc:
        return HttpResponseBadRequest(error_text(exc), content_type="text/plain; charset=utf-8")


def _figures(request, kind: str, pk: int, read_period) -> tuple | HttpResponse:
    """The scope the user may see (else 404), the period asked for (else a 400 saying why) and
    the figures computed for them: what every download and the report start with."""
    scope, exact = _scope(request, kind, pk)
    period = read_period(request)
    if isinstance(period, HttpResponse):
        return period
    return scope, period, compute(scope, period, exact=exact)


def _filename(scope, period: Period, ext: str) -> str:
    return f"cijfers-{slugify(scope.name)}-{period.start.isoformat()}-{period.end.isoformat()}.{ext}"


@staff_view
def figures_csv(request, kind: str, pk: int):
    found = _figures(request, kind, pk, _period_or_400)
    if isinstance(found, HttpResponse):
        return found
    scope, period, figures = found
    delimiter = "," if request.GET.get("sep") == "comma" else ";"
    response = StreamingHttpResponse(
        exports.csv_lines(exports.header(), exports.rows(figures), delimiter=delimiter),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(scope, period, "csv")}"'
    return response


@staff_view
def figures_xlsx(request, kind: str, pk: int):
    found = _figures(request, kind, pk, _period_or_400)
    if isinstance(found, HttpResponse):
        return found
    scope, period, figures = found
    out = exports.xlsx_file(_("Figures"), exports.header(), exports.rows(figures))
    return FileResponse(
        out,
        as_attachment=True,
        filename=_filename(scope, period, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _year_period(request) -> Period | HttpResponse:
    raw = request.GET.get("jaar", "")
    today = timezone.localdate()
    try:
        year = int(raw) if raw else today.year - 1
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year:
        return HttpResponseBadRequest(
            _("Choose a year from 2000 to %(year)s.") % {"year": today.year}, content_type="text/plain; charset=utf-8"
        )
    return Period.year(year)


def _report_texts(scope, period: Period, sections) -> dict:
    return {
        "title": _("Yearly report %(year)s: %(name)s") % {"year": period.start.year, "name": scope.name},
        "nothing": _("Nothing to count in this period."),
        "not_proof": tables.not_proof_text(),
        "tables": [(s.heading, s.columns, s.rows) for s in sections],
    }


@staff_view
def figures_report(request, kind: str, pk: int):
    found = _figures(request, kind, pk, _year_period)
    if isinstance(found, HttpResponse):
        return found
    scope, period, figures = found
    sections = tables.sections(figures)
    return render(
        request,
        "staff/figures/report.html",
        {
            "scope": scope,
            "figures": figures,
            "sections": sections,
            "texts": _report_texts(scope, period, sections),
            "urls": _urls(kind, pk),
            "year": period.start.year,
            "printed_on": dt.date.today(),
        },
    )


@staff_view
def figures_pdf(request, kind: str, pk: int):
    found = _figures(request, kind, pk, _year_period)
    if isinstance(found, HttpResponse):
        return found
    scope, period, figures = found
    body = report.pdf_bytes(figures, _report_texts(scope, period, tables.sections(figures)))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(scope, period, "pdf")}"'
    return response
