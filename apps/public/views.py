"""TEMPORARY: replaced by the real views."""

from django.http import Http404


def home(request, *args, **kwargs):
    raise Http404


def search(request, *args, **kwargs):
    raise Http404


def group_detail(request, *args, **kwargs):
    raise Http404


def apply(request, *args, **kwargs):
    raise Http404


def application_sent(request, *args, **kwargs):
    raise Http404


def application_confirm(request, *args, **kwargs):
    raise Http404


def application_status(request, *args, **kwargs):
    raise Http404


def start_group(request, *args, **kwargs):
    raise Http404


def start_group_sent(request, *args, **kwargs):
    raise Http404
