"""TEMPORARY: replaced by the real views."""

from django.http import Http404


def dashboard(request, *args, **kwargs):
    raise Http404


def group_detail(request, *args, **kwargs):
    raise Http404


def member_list(request, *args, **kwargs):
    raise Http404


def member_export(request, *args, **kwargs):
    raise Http404


def member_remove(request, *args, **kwargs):
    raise Http404


def application_list(request, *args, **kwargs):
    raise Http404


def application_detail(request, *args, **kwargs):
    raise Http404


def application_approve(request, *args, **kwargs):
    raise Http404


def application_reject(request, *args, **kwargs):
    raise Http404


def message_list(request, *args, **kwargs):
    raise Http404


def message_retry(request, *args, **kwargs):
    raise Http404


def municipality_detail(request, *args, **kwargs):
    raise Http404


def group_create(request, *args, **kwargs):
    raise Http404


def group_edit(request, *args, **kwargs):
    raise Http404


def group_admins(request, *args, **kwargs):
    raise Http404


def house_rules_publish(request, *args, **kwargs):
    raise Http404


def group_request_list(request, *args, **kwargs):
    raise Http404


def group_request_detail(request, *args, **kwargs):
    raise Http404


def police_overview(request, *args, **kwargs):
    raise Http404
