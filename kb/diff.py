"""A readable diff between two article revisions: changed fields, lines and words."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

_FIELDS = (("title", _l("Title")), ("summary", _l("Summary")), ("tags", _l("Tags")),
           ("language", _l("Language")), ("visibility", _l("Visibility")),
           ("status", _l("Status")), ("body", _l("Article")))


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
    """Return the fields that differ between two revisions (or article-like objects)."""
    diffs = []
    for name, label in _FIELDS:
        before, after = str(getattr(old, name) or ""), str(getattr(new, name) or "")
        if before != after:
            diffs.append(FieldDiff(name, str(label), _lines(before, after)))
    return diffs
