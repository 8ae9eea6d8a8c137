"""The register is a foundation: it imports none of the apps built on it; they hook into it (the
coverage figures through ``signals.register_changed``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from apps.addresses.importer import import_addresses
from apps.addresses.models import Address
from apps.addresses.signals import register_changed

PACKAGE = Path(__file__).resolve().parent.parent
ABOVE = (
    "apps.groups",
    "apps.applications",
    "apps.members",
    "apps.incidents",
    "apps.relays",
    "apps.coverage",
    "apps.geocoding",
    "apps.public",
    "apps.staff",
    "apps.api",
    "apps.demo",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return names | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}


def test_no_module_of_the_register_imports_an_app_above_it():
    modules = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.relative_to(PACKAGE).parts]
    assert modules
    upward = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith(ABOVE)) for p in modules}
    assert {path: names for path, names in upward.items() if names} == {}
    assert not [p for p in modules if "get_app_config(" in p.read_text(encoding="utf-8")]


@pytest.mark.django_db
def test_an_import_tells_the_apps_above_that_the_register_changed(tmp_path):
    path = tmp_path / "adressen.csv"
    path.write_text("postcode,house_number,addition,street,town,lat,lon\n3870,1,,Kerkstraat,Heers,50.7531,5.3012\n")
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    register_changed.connect(receiver)
    try:
        result = import_addresses(path)
    finally:
        register_changed.disconnect(receiver)
    assert result.inserted == 1 and received == [Address]
