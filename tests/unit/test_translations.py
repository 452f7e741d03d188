"""Every user-visible string is translatable, and German and English are both complete.

The msgids are English, so English needs no catalogue; German does. These tests extract the
messages fresh from the source (same method map as babel.cfg, same keywords as the
documented `pybabel extract` command) and check the committed German catalogue against them:

    pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-output --no-location \
        --omit-header -o translations/messages.pot .
    pybabel update -i translations/messages.pot -d translations -l de --no-fuzzy-matching \
        --ignore-obsolete --ignore-pot-creation-date
    (translate)  pybabel compile -d translations
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
DE_PO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po"
DE_MO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.mo"

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}

# printf-style conversions as Python's %-formatting (and Jinja's newstyle gettext) read them.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
                         r"[diouxXeEfFgGcrsa%]")


def _extract() -> Catalog:
    """Extract the messages from the source exactly as `pybabel extract -F babel.cfg` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(ROOT / "babel.cfg"))
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extract()


@pytest.fixture(scope="module")
def german() -> Catalog:
    with open(DE_PO, "rb") as f:
        return read_po(f, locale="de")


def _label(message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
    ctx = f" [context {message.context!r}]" if message.context else ""
    return f"{message.id!r}{ctx} ({where})"


def _forms(message) -> list[str]:
    if isinstance(message.string, (tuple, list)):
        return list(message.string)
    return [message.string]


def test_the_source_has_translatable_messages(extracted):
    assert len([m for m in extracted if m.id]) > 100


def test_every_extracted_message_has_a_german_translation(extracted, german):
    missing = []
    for message in extracted:
        if not message.id:
            continue
        entry = german.get(message.id, context=message.context)
        if entry is None:
            missing.append(f"not in the catalogue: {_label(message)}")
        elif entry.fuzzy:
            missing.append(f"fuzzy: {_label(message)}")
        elif not all(form.strip() for form in _forms(entry)):
            missing.append(f"empty: {_label(message)}")
        elif isinstance(message.id, tuple) and len(_forms(entry)) != german.num_plurals:
            missing.append(f"wrong number of plural forms: {_label(message)}")
    assert not missing, (
        f"{len(missing)} message(s) lack a German translation in "
        f"{DE_PO.relative_to(ROOT)} (run pybabel extract/update, translate, compile):\n"
        + "\n".join(missing))


def _translated(catalog: Catalog) -> dict:
    """msgid (with context) -> msgstr for the entries `pybabel compile` puts in the .mo."""
    result = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        forms = tuple(_forms(message))
        if not all(forms):
            continue
        # A plural's id is (singular, plural): a tuple from the .po, a list from the .mo.
        ident = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
        result[(message.context, ident)] = forms
    return result


def test_compiled_mo_matches_the_po(german):
    assert DE_MO.exists(), "run: pybabel compile -d translations"
    with open(DE_MO, "rb") as f:
        compiled = read_mo(f)
    po, mo = _translated(german), _translated(compiled)
    stale = sorted(
        (repr(key[1]) for key in po.keys() | mo.keys() if po.get(key) != mo.get(key)),
        key=str)
    assert not stale, ("messages.mo is out of date with messages.po "
                       "(run: pybabel compile -d translations):\n" + "\n".join(stale))


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def test_translations_keep_the_placeholders(german):
    wrong = []
    for message in german:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        for index, form in enumerate(_forms(message)):
            if not form:
                continue
            # German: form 0 is the singular, every other form follows the plural msgid.
            source = ids[0] if index == 0 else ids[-1]
            expected = _placeholders(source)
            got = _placeholders(form)
            if index == 0 and len(ids) > 1:
                # "One file" may drop the count; it must not invent anything else.
                if got - (expected | _placeholders(ids[-1])):
                    wrong.append(f"{message.id!r}: {form!r}")
            elif got != expected:
                wrong.append(f"{message.id!r}: {form!r} has {sorted(got.elements())}, "
                             f"expected {sorted(expected.elements())}")
            stray_source = "%" in PLACEHOLDER.sub("", source)
            if "%" in PLACEHOLDER.sub("", form) and not stray_source:
                wrong.append(f"{message.id!r}: {form!r} has a stray '%' (write '%%')")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_login_page_in_german(client):
    response = client.get("/login", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Anmelden" in html                 # "Log in" (template)
    assert "Angemeldet bleiben" in html       # "Stay logged in" (lazy form label)
    assert "Passwort vergessen?" in html      # "Forgot your password?"
    assert "Log in" not in html
    assert "Stay logged in" not in html


def test_login_page_in_english(client):
    response = client.get("/login", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Stay logged in" in html
    assert "Anmelden" not in html
    assert "Angemeldet bleiben" not in html
