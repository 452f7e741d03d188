"""The Markdown renderer is bounded: costly text renders in time or falls back to plain text.

These call helpdesk/rendering.py directly (its worker processes are real); the pages that show
the result are tested in tests/web/test_stored_markdown.py.
"""
from __future__ import annotations

import html
from datetime import datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from helpdesk import create_app, rendering
from helpdesk.extensions import db
from helpdesk.rendering import costly_shape, render_markdown
from tests.unit.test_migrations import empty_database  # noqa: F401 (a fixture)

PATHOLOGICAL = {
    "bracket run": "[" * 13000,
    "nested list items": "* " * 1000 + "x",
    "nested quotes": ">" * 5000,
    "nested quotes with spaces": "> " * 3000 + "x",
    "indented list nesting": "".join("    " * i + "* x\n" for i in range(300)),
    "emphasis run": "*a" * 20000,
    "unclosed link targets": "[a](" * 5000,
    "unclosed tags": "<x " * 5000,
    "comparisons": "a<b " * 10000,
    "code fences": "```\n" * 5000,
    "code span brackets": "[`" * 10000,
    "huge table": "|" + "a|" * 100 + "\n|" + "-|" * 100 + "\n" + ("|" + "x|" * 100 + "\n") * 240,
    "too long": "word " * 30000,
}


def _is_plain_fallback(result: str, source: str) -> bool:
    """Whether `result` is `source` shown as written: escaped, in one plain block."""
    prefix, suffix = '<div class="md-plain">', "</div>"
    inner = result.removeprefix(prefix).removesuffix(suffix)
    return (result.startswith(prefix) and result.endswith(suffix) and "<" not in inner
            and html.unescape(inner) == source)


@pytest.mark.parametrize("source", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_text_renders_within_the_budget_or_falls_back(source):
    # Bounded by the budget: whatever does not parse within it comes back as plain text
    # (the tests below show the budget is enforced); no wall-clock assertion here.
    result = str(render_markdown(source, time_budget=1.0))
    assert result.startswith("<") and len(result) >= len(source.strip()) // 4
    if 'class="md-plain"' in result:
        assert _is_plain_fallback(result, source)


@pytest.mark.parametrize("name", ["bracket run", "nested list items", "nested quotes",
                                  "indented list nesting", "unclosed link targets",
                                  "unclosed tags", "code fences", "code span brackets",
                                  "too long"])
def test_known_costly_shapes_are_refused_before_parsing(name):
    source = PATHOLOGICAL[name]
    assert costly_shape(source) is not None
    # Refused shapes never reach the parser: even a budget that would let them run for
    # minutes gives the plain text.
    assert _is_plain_fallback(str(render_markdown(source, time_budget=600)), source)


def test_a_render_over_the_budget_is_stopped_and_the_next_one_works():
    slow = "*a" * 20000     # about a second of parsing: not a refused shape
    assert costly_shape(slow) is None
    # Given time it renders; over the budget the worker is stopped and the text shown as is.
    assert "<em>" in str(render_markdown(slow, time_budget=600))
    assert _is_plain_fallback(str(render_markdown(slow, time_budget=0.05)), slow)
    assert str(render_markdown("still **works**")) == "<p>still <strong>works</strong></p>"


def test_recursion_error_in_the_parser_falls_back_to_plain_text(monkeypatch):
    # Python-Markdown up to 3.9 ran out of stack on deeply nested lists; newer releases
    # parse them iteratively, so the error is raised here where the worker's answer
    # arrives: whatever the parser raises, the page shows the text as written.
    deep = "* " * 1000 + "x"
    monkeypatch.setattr(rendering, "MAX_NESTING", 10**6)
    assert costly_shape(deep) is None

    def parser_runs_out_of_stack(text, budget):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(rendering, "_render_bounded", parser_runs_out_of_stack)
    assert _is_plain_fallback(str(render_markdown(deep)), deep)


def test_fallback_shows_the_text_escaped():
    source = "[" * 13000 + "<script>alert(1)</script> & <b>bold</b>"
    result = str(render_markdown(source))
    assert "<script" not in result and "<b>" not in result
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in result


def test_long_ordinary_messages_are_rendered_not_refused():
    section = ("## Steps\n\nI tried [the guide](https://example.com/guide) and [the FAQ][faq]"
               " (see *above*; a < b), then:\n\n- one\n  - two\n    - three\n\n"
               "> quoted **reply** <br> with a tag\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n")
    log = "".join(f"[INFO] {i:05d} <worker> queue[{i % 7}] took {i % 13} ms\n"
                  for i in range(100))
    code = f"```text\n{log}```\n\n"
    sections = (45_000 - 4 * len(code)) // len(section)
    source = (section * (sections // 4) + code) * 4 + "[faq]: https://example.com/faq\n"
    assert len(source) > 40_000 and costly_shape(source) is None
    result = str(render_markdown(source, time_budget=30))
    assert 'class="md-plain"' not in result
    assert result.count('<a href="https://example.com/guide"') == sections // 4 * 4
    assert result.count('<a href="https://example.com/faq"') == sections // 4 * 4
    assert result.count("[INFO] 00099 &lt;worker&gt; queue[1]") == 4


def _tags(markup: str) -> list[tuple[str, dict]]:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))
    Collector().feed(markup)
    return found


REMOTE_IMAGES = [
    "![chart](https://evil.example/chart.png)",
    "![](http://evil.example/pixel.gif)",
    '<img src="//evil.example/a.png" alt="raw">',
    '<IMG SRC=" https://evil.example/b.png">',
    '<img src="/\\evil.example/c.png">',
    '<img src="\\\\evil.example/d.png">',
    "<img src='https:evil.example/e.png'>",
    '<img src="&#104;ttps://evil.example/f.png">',
]


@pytest.mark.parametrize("source", REMOTE_IMAGES)
def test_no_remote_image_is_left_for_the_browser_to_fetch(source):
    result = str(render_markdown(source))
    images = [attrs for tag, attrs in _tags(result) if tag == "img"]
    assert not [attrs for attrs in images if "evil" in (attrs.get("src") or "")], images
    assert "evil.example" in result     # still there for the reader, as a link or text


def test_remote_image_becomes_a_link_with_its_alt_text():
    result = str(render_markdown("See ![the chart](https://evil.example/chart.png) here"))
    links = [attrs for tag, attrs in _tags(result) if tag == "a"]
    assert links == [{"class": "remote-image", "href": "https://evil.example/chart.png",
                      "title": "https://evil.example/chart.png",
                      "rel": "noopener noreferrer nofollow"}]
    assert ">the chart</a>" in result and "<img" not in result


def test_remote_image_without_alt_text_is_named_by_its_address():
    result = str(render_markdown("![](https://evil.example/x.png)"))
    assert '>https://evil.example/x.png</a>' in result and "<img" not in result


def test_image_inside_a_link_leaves_just_the_link():
    result = str(render_markdown(
        "[![build](https://evil.example/badge.svg)](https://example.com/project)"))
    assert [(t, a.get("href")) for t, a in _tags(result)] == [
        ("p", None), ("a", "https://example.com/project")]
    assert ">build</a>" in result


def test_images_from_this_site_stay_images():
    result = str(render_markdown("![logo](/static/logo.png) ![rel](pics/a.png)"))
    assert [(t, a.get("src")) for t, a in _tags(result) if t == "img"] == [
        ("img", "/static/logo.png"), ("img", "pics/a.png")]


def test_sanitizer_still_removes_scripts_handlers_and_bad_links():
    result = str(render_markdown(
        "<script>alert(1)</script>[x](javascript:alert(1)) <img src=/a.png onerror=alert(1)>"
        "<svg onload=alert(1)></svg><a href='data:text/html,x' onclick='y'>d</a> **ok**"))
    assert "<strong>ok</strong>" in result
    for tag, attrs in _tags(result):
        assert tag not in ("script", "svg")
        assert not [name for name in attrs if name.startswith("on")]
        assert not (attrs.get("href") or "").startswith(("javascript:", "data:"))


def test_upgrade_renders_the_existing_tickets_and_messages(empty_database, tmp_path):  # noqa: F811
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    now = datetime(2026, 1, 1)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0002")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO \"user\" (id, email, name, role, is_active_account, session_token,"
                " created_at) VALUES (1, 'c@example.com', 'C', 'customer', true, 't', :now)"),
                {"now": now})
            conn.execute(sa.text(
                "INSERT INTO ticket (id, subject, body, status, priority, channel, level,"
                " requester_id, created_at, updated_at, first_response_due_at,"
                " resolution_due_at, update_due_at, due_at, version) VALUES (1, 's', :body,"
                " 'new', 'normal', 'web', 1, 1, :now, :now, :now, :now, :now, :now, 1)"),
                {"body": "Old **ticket**", "now": now})
            conn.execute(sa.text(
                "INSERT INTO message (id, ticket_id, author_id, body, is_internal, created_at)"
                " VALUES (1, 1, 1, :body, false, :now), (2, 1, 1, :bomb, false, :now)"),
                {"body": "Old *reply*", "bomb": "[" * 13000, "now": now})
        upgrade(directory=directory, revision="0003")
        with db.engine.connect() as conn:
            tickets = conn.execute(sa.text("SELECT body_html, version FROM ticket")).all()
            messages = conn.execute(sa.text("SELECT body_html FROM message ORDER BY id")).all()
        db.engine.dispose()
    assert tickets == [("<p>Old <strong>ticket</strong></p>", 1)]
    assert messages[0] == ("<p>Old <em>reply</em></p>",)
    assert _is_plain_fallback(messages[1][0], "[" * 13000)
