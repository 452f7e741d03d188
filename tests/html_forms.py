"""Read a page's form as a browser would submit it (for tests that post it back)."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """What a browser would submit for one <form>: inputs, checked boxes, selected
    options and textareas (without the newline the parser keeps after <textarea>)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select = self._textarea = None
        self._first_option = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            self._first_option.setdefault(self._select, a.get("value", ""))
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.setdefault(self._select, self._first_option.get(self._select, ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            value = self.fields[self._textarea]
            self.fields[self._textarea] = value[2:] if value.startswith("\r\n") else (
                value[1:] if value.startswith("\n") else value)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str = "article-form") -> dict[str, str]:
    """Return the fields a browser would send for the form `form_id` of `html`."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields
