"""The choice of columns names each column of the file in the coordinator's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.enrolments.forms import MappingForm


@pytest.mark.parametrize(
    "language, second", [("nl", "telefoon (kolom 2)"), ("fr", "telefoon (colonne 2)"), ("en", "telefoon (column 2)")]
)
def test_each_column_is_named_in_the_language_of_the_page(language, second):
    with translation.override(language):
        form = MappingForm(headers=["naam", "telefoon", ""])
        labels = [str(label) for _value, label in form.fields[next(iter(form.fields))].choices]
    assert labels[2] == second
    assert labels[3].startswith("— (")
