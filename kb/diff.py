"""A readable diff between two article revisions: changed fields, lines and words."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from helpdesk.config import LANGUAGES
from kb.models import STATUS_LABELS, VISIBILITY_LABELS


def _category(obj) -> str:
    return obj.category.name_for(str(get_locale() or "en")) if obj.category else ""


def _text(value) -> str:
    return value or ""


def _enum_label(labels):
    return lambda value: str(labels.get(value, value)) if value else ""


# Every field an editor sets (and the status), as shown in a revision diff. Each entry is
# (attribute, label, how a value reads); the category is read from the object itself.
_FIELDS = (
    ("title", _l("Title"), _text),
    ("summary", _l("Summary"), _text),
    ("category", _l("Category"), None),
    ("tags", _l("Tags"), _text),
    ("language", _l("Language"), lambda value: LANGUAGES.get(value, value or "")),
    ("visibility", _l("Visibility"), _enum_label(VISIBILITY_LABELS)),
    ("is_known_error", _l("Known error"), lambda value: _("Yes") if value else _("No")),
    ("translation_key", _l("Translation key"), _text),
    ("status", _l("Status"), _enum_label(STATUS_LABELS)),
    ("body", _l("Article"), _text),
)


@dataclass
class FieldDiff:
    name: str
    label: str
    lines: list[tuple[str, Markup]]     # ("same" | "add" | "del" | "change", html)


def _words(old: str, new: str) -> Markup:
    """One changed line, with removed words struck through and added words marked."""
    a, b = old.split(" "), new.split(" ")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Markup("<del>%s</del>") % " ".join(a[i1:i2]))
        if j2 > j1:
            out.append(Markup("<ins>%s</ins>") % " ".join(b[j1:j2]))
    return Markup(" ").join(out)


def _lines(old: str, new: str, context: int = 2) -> list[tuple[str, Markup]]:
    a, b = (old or "").splitlines(), (new or "").splitlines()
    result: list[tuple[str, Markup]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if result:
            result.append(("gap", Markup("…")))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                result.extend(("same", escape(line)) for line in a[i1:i2])
            elif op == "replace" and i2 - i1 == j2 - j1:
                result.extend(("change", _words(x, y)) for x, y in zip(a[i1:i2], b[j1:j2],
                                                                      strict=True))
            else:
                result.extend(("del", escape(line)) for line in a[i1:i2])
                result.extend(("add", escape(line)) for line in b[j1:j2])
    return result


def diff_revisions(old, new) -> list[FieldDiff]:
    """Return the fields that differ between two revisions (or a revision and an article)."""
    diffs = []
    for name, label, show in _FIELDS:
        if show is None:
            before, after = _category(old), _category(new)
        else:
            before, after = show(getattr(old, name)), show(getattr(new, name))
        if before != after:
            diffs.append(FieldDiff(name, str(label), _lines(before, after)))
    return diffs
