"""Template context shared by every page."""

from django.conf import settings

from apps.groups.permissions import roles


def site(request):
    user = getattr(request, "user", None)
    return {
        "dev_mailbox": settings.BUURTWACHT_DEV_MAILBOX,
        "tile_url": settings.BUURTWACHT_TILE_URL,
        "tile_attribution": settings.BUURTWACHT_TILE_ATTRIBUTION,
        "user_roles": roles(user) if user is not None else {},
    }
