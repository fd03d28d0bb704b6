"""The exports page reads in Danish: its data dictionary's types and allowed values included."""

import re

from django.urls import reverse
from django.utils import translation

from reporting.exports import COLUMNS

# An allowed value that is a code or a format of the files themselves (``walk_in``, ``1-5``,
# ``YYYY-MM-DD``, ``<18``) stays as the file writes it; anything with words needs Danish.
CODE = re.compile(r"[A-Za-z0-9_<>+.:|\-]+")


def test_every_allowed_value_is_a_code_or_translated():
    with translation.override("da"):
        for kind, columns in COLUMNS.items():
            for column in columns:
                items = [item.strip() for item in column.allowed.split(",") if item.strip()]
                if all(CODE.fullmatch(item) for item in items):
                    continue
                assert translation.gettext(column.allowed) != column.allowed, (kind, column.name)


def test_the_exports_page_shows_the_columns_in_danish(leader_client):
    content = leader_client.get(reverse("reporting:exports")).content.decode()
    assert "<summary>Henvendelser (én række pr. henvendelse)</summary>" in content
    assert "<td>heltal</td>" in content
    assert "<td>16 hex-tegn eller tom</td>" in content
    for english in ("<td>integer</td>", "<td>text</td>", "<td>flag</td>", " or empty", "<summary>contacts"):
        assert english not in content
