"""The admins' network on the desk: the directory of a municipality's admins and co-admins
(``apps.network``), what an admin shares of their contact details, and the coordinator's
choices for the municipality's network."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.groups.models import GroupAdmin
from apps.municipalities.models import Municipality, SubMunicipality
from apps.municipalities.permissions import can_coordinate
from apps.network import services
from apps.network.models import NetworkSettings

from .common import add_errors, int_or_none, render, staff_view


class ContactSharingForm(forms.Form):
    show_email = forms.BooleanField(label=gettext_lazy("my e-mail address"), required=False)
    show_phone = forms.BooleanField(label=gettext_lazy("my mobile phone number"), required=False)


class NetworkSettingsForm(forms.Form):
    share_with_neighbours = forms.BooleanField(
        label=NetworkSettings._meta.get_field("share_with_neighbours").verbose_name,
        help_text=NetworkSettings._meta.get_field("share_with_neighbours").help_text,
        required=False,
    )
    admins_group_link = forms.CharField(
        label=NetworkSettings._meta.get_field("admins_group_link").verbose_name,
        help_text=NetworkSettings._meta.get_field("admins_group_link").help_text,
        required=False,
        max_length=300,
    )


@staff_view
def network_directory(request):
    """The network's municipalities, and the directory of the chosen one (the viewer's own first)."""
    municipalities = services.network_municipalities(request.user)
    if not municipalities:
        raise PermissionDenied
    chosen_id = int_or_none(request.GET.get("gemeente"))
    if chosen_id is None:
        municipality = municipalities[0]
    else:
        municipality = next((m for m in municipalities if m.pk == chosen_id), None)
        if municipality is None:
            raise Http404
    subs = list(SubMunicipality.objects.filter(municipality=municipality).order_by("name"))
    sub_id = int_or_none(request.GET.get("deelgemeente"))
    if sub_id is not None and sub_id not in {s.pk for s in subs}:
        sub_id = None
    found = services.directory(request.user, municipality, sub_municipality_id=sub_id)
    coordinates = can_coordinate(request.user, municipality)
    settings_form = None
    if coordinates:
        row = NetworkSettings.objects.filter(municipality=municipality).first()
        settings_form = NetworkSettingsForm(
            initial={
                "share_with_neighbours": row.share_with_neighbours if row else False,
                "admins_group_link": row.admins_group_link if row else "",
            }
        )
    return render(
        request,
        "staff/network/directory.html",
        {
            "directory": found,
            "municipalities": municipalities,
            "sub_municipalities": subs,
            "sub_id": sub_id,
            "settings_form": settings_form,
            "is_admin": GroupAdmin.objects.filter(user=request.user).exists(),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def network_contacts(request):
    """An admin chooses what the network's other admins see of their contact details."""
    if not GroupAdmin.objects.filter(user=request.user).exists():
        raise PermissionDenied
    current = services.contact_sharing_of(request.user)
    form = ContactSharingForm(
        request.POST or None, initial={"show_email": current.show_email, "show_phone": current.show_phone}
    )
    if request.method == "POST" and form.is_valid():
        services.set_contact_sharing(
            actor=request.user,
            show_email=form.cleaned_data["show_email"],
            show_phone=form.cleaned_data["show_phone"],
        )
        messages.success(request, _("Saved: the other admins of the network now see what you chose."))
        return redirect("staff:network_directory")
    return render(request, "staff/network/contacts.html", {"form": form, "account": request.user})


@staff_view
@require_POST
def network_settings(request, pk: int):
    """A coordinator's choices for the municipality's network."""
    municipality = get_object_or_404(Municipality, pk=pk)
    if not can_coordinate(request.user, municipality):
        raise PermissionDenied
    form = NetworkSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.set_network_settings(
                actor=request.user,
                municipality=municipality,
                share_with_neighbours=form.cleaned_data["share_with_neighbours"],
                admins_group_link=form.cleaned_data["admins_group_link"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The network's settings are saved."))
            return redirect(f"{_directory_url()}?gemeente={municipality.pk}")
    found = services.directory(request.user, municipality)
    return render(
        request,
        "staff/network/directory.html",
        {
            "directory": found,
            "municipalities": services.network_municipalities(request.user),
            "sub_municipalities": list(SubMunicipality.objects.filter(municipality=municipality).order_by("name")),
            "sub_id": None,
            "settings_form": form,
            "is_admin": GroupAdmin.objects.filter(user=request.user).exists(),
        },
        status=400,
    )


def _directory_url() -> str:
    from django.urls import reverse

    return reverse("staff:network_directory")
