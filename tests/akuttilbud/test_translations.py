"""The Danish catalogue is complete, compiled, and used by the pages.

The catalogue is parsed here with a small reader of our own and the source strings are
collected with Python's ``ast`` and Django's template-to-gettext converter, so the checks need
neither gettext tools nor a new dependency.
"""

import ast
import gettext
import io
import tokenize
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from tests.factories import ContactFactory, PersonFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "da" / "LC_MESSAGES"
PYTHON_SOURCES = ("akuttilbud", "contacts", "crisisplans", "partners", "reporting", "telephony")
TEMPLATE_SOURCES = ("templates",)
TEMPLATE_SUFFIXES = (".html", ".txt")

# The keywords makemessages hands to xgettext, with the positions of (context, singular, plural).
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _unquote(line):
    return ast.literal_eval(line)


def read_catalogue(path):
    """The entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy."""
    entries = []
    entry = {}
    field = None

    def finish():
        if "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            finish()
            entry, field = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = "msgctxt"
            entry[field] = _unquote(line[len("msgctxt ") :])
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
            entry[field] = _unquote(line[len("msgid_plural ") :])
        elif line.startswith("msgid "):
            field = "msgid"
            entry[field] = _unquote(line[len("msgid ") :])
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr[") : line.index("]")])
            entry.setdefault("msgstr", [])
            assert index == len(entry["msgstr"]), f"plural forms out of order near {raw!r}"
            entry["msgstr"].append(_unquote(line[line.index("]") + 1 :].strip()))
            field = ("msgstr", index)
        elif line.startswith("msgstr "):
            field = ("msgstr", 0)
            entry["msgstr"] = [_unquote(line[len("msgstr ") :])]
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            raise AssertionError(f"unexpected line in {path.name}: {raw!r}")
    return [entry for entry in entries if not entry.get("obsolete")]


def _messages(entries):
    return [entry for entry in entries if entry["msgid"]]


def _key(context, singular, plural):
    return (context or "", singular, plural or "")


def _call_strings(name, arguments):
    """The (context, singular, plural) key of a call, when its message arguments are string literals."""
    context_at, singular_at, plural_at = KEYWORDS[name]
    positions = [position for position in (context_at, singular_at, plural_at) if position is not None]
    if len(arguments) <= max(positions) or not all(isinstance(arguments[p], str) for p in positions):
        return None
    return _key(
        arguments[context_at] if context_at is not None else None,
        arguments[singular_at],
        arguments[plural_at] if plural_at is not None else None,
    )


def _python_messages(source):
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
        if name not in KEYWORDS:
            continue
        arguments = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
        key = _call_strings(name, arguments)
        if key and key[1]:
            found.add(key)
    return found


def _template_messages(source):
    """Messages from Django's gettext rendering of a template, read token by token."""
    found = set()
    # Indentation in the rendering follows the HTML, which Python's tokenizer would reject.
    flat = "\n".join(line.lstrip() for line in templatize(source).splitlines())
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(flat).readline)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    ]
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].string != "(":
            continue
        arguments, position = [], index + 2
        while position < len(tokens) and tokens[position].string != ")":
            current = tokens[position]
            if current.type == tokenize.STRING:
                arguments.append(ast.literal_eval(current.string))
            elif current.string != ",":
                arguments.append(None)
            position += 1
        key = _call_strings(token.string, arguments)
        if key and key[1]:
            found.add(key)
    return found


def source_messages():
    base = Path(settings.BASE_DIR)
    found = set()
    for folder in PYTHON_SOURCES:
        for path in (base / folder).rglob("*.py"):
            found |= _python_messages(path.read_text(encoding="utf-8"))
    for folder in TEMPLATE_SOURCES:
        for path in (base / folder).rglob("*"):
            if path.suffix in TEMPLATE_SUFFIXES:
                found |= _template_messages(path.read_text(encoding="utf-8"))
    return found


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue(CATALOGUE / "django.po")


def test_every_entry_in_the_danish_catalogue_is_translated(catalogue):
    untranslated = [
        entry["msgid"]
        for entry in _messages(catalogue)
        if not entry.get("msgstr") or not all(entry["msgstr"])
    ]
    assert untranslated == []


def test_no_entry_in_the_danish_catalogue_is_fuzzy(catalogue):
    assert [entry["msgid"] for entry in catalogue if entry.get("fuzzy")] == []


def test_plural_entries_have_both_danish_forms(catalogue):
    plurals = [entry for entry in _messages(catalogue) if "msgid_plural" in entry]
    assert plurals
    assert [entry["msgid"] for entry in plurals if len(entry["msgstr"]) != 2] == []


def test_every_translatable_string_in_the_code_is_in_the_catalogue(catalogue):
    """Fails when someone adds a string without running makemessages and translating it."""
    in_catalogue = {
        _key(entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))
        for entry in _messages(catalogue)
    }
    found = source_messages()
    assert _key(None, "Shift board", None) in found
    assert sorted(found - in_catalogue) == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = []
    for entry in _messages(catalogue):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for count, expected in ((1, entry["msgstr"][0]), (2, entry["msgstr"][1])):
                if context:
                    got = translations.npgettext(context, entry["msgid"], entry["msgid_plural"], count)
                else:
                    got = translations.ngettext(entry["msgid"], entry["msgid_plural"], count)
                if got != expected:
                    stale.append(entry["msgid"])
        else:
            got = (
                translations.pgettext(context, entry["msgid"])
                if context
                else translations.gettext(entry["msgid"])
            )
            if got != entry["msgstr"][0]:
                stale.append(entry["msgid"])
    assert stale == [], "run: manage.py compilemessages --locale da"


def test_the_swemwbs_items_use_the_agreed_danish_wording(catalogue):
    translated = {entry["msgid"]: entry["msgstr"][0] for entry in _messages(catalogue)}
    assert translated["I've been feeling useful"] == "Jeg har følt mig nyttig"
    assert translated["None of the time"] == "På intet tidspunkt"
    assert translated["All of the time"] == "Hele tiden"


def test_the_login_page_is_danish_by_default(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Log ind" in page


def test_the_shift_board_is_danish_by_default(staff_client):
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert "Vagttavle" in page
    assert "Shift board" not in page


def test_the_swemwbs_form_shows_the_danish_items(staff_client, staff_user):
    contact = ContactFactory(person=PersonFactory(cpr="0101901234"), staff=staff_user)
    response = staff_client.get(reverse("crisisplans:wellbeing_at_contact", args=[contact.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jeg har følt mig nyttig" in page
    assert "På intet tidspunkt" in page


def test_choosing_english_shows_english(staff_client):
    board = reverse("contacts:board")
    response = staff_client.post(reverse("set_language"), {"language": "en", "next": board}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == board
    assert "Shift board" in page
    assert "Vagttavle" not in page


def test_choosing_english_on_the_login_page_shows_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert "Log in" in page
    assert "Log ind" not in page


def test_the_source_reader_finds_singular_plural_and_context_messages():
    template = (
        "{% load i18n %}<p>{% translate 'Open' context 'door' %}</p>"
        "{% blocktranslate count beds=total %}{{ beds }} bed{% plural %}{{ beds }} beds{% endblocktranslate %}"
    )
    assert _template_messages(template) == {
        _key("door", "Open", None),
        _key(None, "%(beds)s bed", "%(beds)s beds"),
    }
    python = (
        "label = _('Name')\ncount = ngettext_lazy('%(n)s day', '%(n)s days', 'n')\nskip = gettext(name)\n"
    )
    assert _python_messages(python) == {_key(None, "Name", None), _key(None, "%(n)s day", "%(n)s days")}
