"""A translation function under another name is invisible to makemessages: its strings never
reach the catalogues and go out in English (the e-mails to applicants did, with
``gettext_noop as N_``). ``scripts/check_messages.py`` refuses such names; these tests check
that it finds them, and that the code under ``apps/`` has none."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def check_messages():
    spec = importlib.util.spec_from_file_location("check_messages", ROOT / "scripts" / "check_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext_noop as N_\n",
        "from django.utils.translation import gettext_noop as _\n",
        "from django.utils.translation import gettext as gettext_now\n",
        "from django.utils.translation import ngettext as _n\n",
        "from django.utils.translation import pgettext_lazy as _p\n",
        "from django.utils.translation import gettext_noop\nN_ = gettext_noop\n",
        "from django.utils import translation\nT = translation.gettext\n",
        "def f():\n    from django.utils.translation import gettext as _t\n    return _t('x')\n",
    ],
)
def test_a_renamed_translation_function_is_refused(check_messages, source):
    found = check_messages.renamed_translation_functions(Path("apps/x/services.py"), source)
    assert len(found) == 1 and found[0].startswith("apps/x/services.py:")


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext_noop\n",
        "from django.utils.translation import gettext as _\n",
        "from django.utils.translation import gettext_lazy as _\n",
        "from django.utils.translation import ngettext, pgettext, gettext\n",
        "from django.utils import translation\n",
        "from other.module import thing as gettext_now\n",
    ],
)
def test_the_standard_names_pass(check_messages, source):
    assert check_messages.renamed_translation_functions(Path("apps/x/services.py"), source) == []


def test_no_module_under_apps_renames_a_translation_function(check_messages):
    assert check_messages.check_names(ROOT) == []
