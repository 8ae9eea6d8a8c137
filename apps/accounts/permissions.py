"""Moved: roles are enforced by each owning app's ``permissions.py``. Re-exported here only for
the desk's views until their imports are updated."""

from apps.applications.permissions import applications_for  # noqa: F401
from apps.groups.permissions import (  # noqa: F401
    administered_groups,
    can_manage_group,
    group_requests_for,
    managed_groups,
    require_group,
    require_group_admin,
    roles,
    visible_groups,
)
from apps.members.permissions import members_for  # noqa: F401
from apps.municipalities.permissions import (  # noqa: F401
    can_coordinate,
    coordinated_municipality_ids,
    municipalities_for,
    police_municipality_ids,
    require_municipality,
)
