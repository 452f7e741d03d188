"""Hostile input on every route: whatever a form, query string, path or body carries, the
answer is never a server error and nothing is logged as an error.

The crawl logs in as each role over demo-like data, renders every GET route it can build,
parses every <form> and link on the pages, and sends hostile values in every field and
query parameter: NUL and other control characters, invalid UTF-8, decomposed Unicode,
digits that `str.isdigit()` accepts but `int()` refuses, deeply nested Markdown, 1 MB.
"""
from __future__ import annotations

import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.routing.converters import NumberConverter

from helpdesk.accounts.models import User
from helpdesk.accounts.tokens import make_reset_token
from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket
from kb import curation
from kb.feedback import add_feedback
from kb.models import Article, FeedbackKind

DECOMPOSED = "Ru\u0308ckerstattung"
CONTROLS = "a\x00b\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x85\x9f\r\n\tc\u2028"
INVALID_UTF8 = b"\xff\xfe\xc3\x28\xed\xa0\x80\xc0\xaf"
# One value for every field: NUL, the other controls, decomposed text, invalid UTF-8.
MIXED = f"{DECOMPOSED} {CONTROLS} e\u0301".encode() + INVALID_UTF8
# Passes str.isdigit() but not int(): a version or id field must not trust isdigit.
SUPERSCRIPT = "\u00b2"
BIG_NUMBER = "9" * 12             # past PostgreSQL's INTEGER (and any id), within BIGINT
HUGE_NUMBER = "9" * 30            # past any database integer
MARKDOWN_BOMBS = ["[" * 13000, "* " * 1000 + "x", ">" * 5000, "`" * 5000 + "\n" + "- " * 3000]
MEGABYTE = "\x00ab" * 350_000
# Servers refuse longer request lines (gunicorn: 4 kB), and the test client needs seconds
# to parse a megabyte of URL: query strings get 64 kB.
LONG_QUERY = "\x00ab" * 22_000
PATH_VALUES = ["a\x00b", "%FF%FE%C3%28", DECOMPOSED, SUPERSCRIPT, "HD-" + SUPERSCRIPT,
               "HD-" + BIG_NUMBER, ">" * 5000, "..%2F..%2Fetc%2Fpasswd"]
INT_PATH_VALUES = [BIG_NUMBER, HUGE_NUMBER, "0"]
TEXT_KINDS = ("text", "textarea", "email", "password", "search", "url", "tel")
GLOBAL_PARAMS = ("next", "q", "page", "after", "lang", "a", "b", "status", "level", "category",
                 "language")
ROLES = ("anonymous", "customer", "l1", "l2", "l3", "admin")
SLOW_SECONDS = 60.0                # a hang (the old bug: 50 s and more), not a busy machine


# -- reading pages ---------------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str, str]] = field(default_factory=list)   # name, kind, value
    checked: set[str] = field(default_factory=set)     # names sent as they are

    def baseline(self) -> list[tuple[str, str | bytes]]:
        """The values a browser would send unchanged (files left out)."""
        return [(name, value) for name, kind, value in self.fields
                if kind not in ("file", "checkbox-off", "radio-off")]


class PageParser(HTMLParser):
    """Collect the forms (with their fields' defaults) and the link targets of a page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action") or self.url,
                              method=(a.get("method") or "get").upper(),
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                kind += "-off"
            if kind not in ("submit", "button", "reset", "image"):
                self._form.fields.append((a["name"], kind, a.get("value", "y" if kind.startswith(
                    "checkbox") else "")))
        elif tag == "button" and a.get("value"):
            if a["name"] not in {n for n, _k, _v in self._form.fields}:
                self._form.fields.append((a["name"], "button", a["value"]))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "textarea", "".join(self._text)))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _s in self._options[:1]]
            self._form.fields.append((self._select, "select", chosen[0] if chosen else ""))
            self._select = None


# -- sending ---------------------------------------------------------------------------

def _multipart(pairs, filename: str) -> tuple[bytes, str]:
    """A multipart body (values may be invalid UTF-8) with one hostile file per file field."""
    boundary = "hostile-boundary-7d1f"
    chunks = []
    for name, value in pairs:
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                      .encode() + raw + b"\r\n")
    for name in filename and [filename] or []:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                      f'filename="re\x00po\u0308rt\x07.pdf"\r\nContent-Type: application/pdf'
                      f'\r\n\r\n'.encode() + INVALID_UTF8 + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Crawler:
    """Sends requests as one user at a time and records every failure it sees."""

    def __init__(self, app, client, login_as, caplog):
        self.app, self.client, self.login_as, self.caplog = app, client, login_as, caplog
        self.adapter = app.url_map.bind("helpdesk.test")
        self.user: User | None = None
        self.role = "anonymous"
        self.failures: list[str] = []
        self.slow: list[str] = []
        self.requests = 0
        self.followed: set[tuple[str, str]] = set()

    def act_as(self, role: str, user: User | None) -> None:
        self.role, self.user = role, user
        self.relogin()

    def relogin(self) -> None:
        if self.user is None:
            with self.client.session_transaction() as session:
                session.clear()
        else:
            self.login_as(self.user)

    def endpoint(self, method: str, path: str) -> str | None:
        try:
            return self.adapter.match(path, method=method)[0]
        except RequestRedirect as redirect:
            return self.endpoint(method, urlsplit(redirect.new_url).path)
        except HTTPException:
            return None

    def send(self, method: str, url: str, what: str, *, body: bytes | None = None,
             content_type: str | None = None, follow: bool = True):
        """Make one request; record a 5xx, an error logged, or an exception raised."""
        self.caplog.clear()
        self.requests += 1
        started = time.monotonic()
        try:
            response = self.client.open(url, method=method, data=body,
                                        content_type=content_type)
        except Exception as exc:  # noqa: BLE001 -- any exception is the finding
            self.failures.append(f"{self.role} {method} {url[:120]} [{what}]: raised {exc!r}")
            return None
        elapsed = time.monotonic() - started
        if elapsed > SLOW_SECONDS:
            self.slow.append(f"{self.role} {method} {url[:120]} [{what}]: {elapsed:.1f} s")
        errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        if response.status_code >= 500 or errors:
            detail = "; ".join(f"{r.getMessage()[:80]} {r.exc_info[1]!r}" if r.exc_info else
                               r.getMessage()[:120] for r in errors)
            self.failures.append(f"{self.role} {method} {url[:120]} [{what}]: "
                                 f"{response.status_code} {detail}")
        location = response.headers.get("Location", "")
        target = urlsplit(location)
        if follow and location and target.netloc in ("", "helpdesk.test") and (
                (self.role, target.path) not in self.followed):
            self.followed.add((self.role, target.path))      # each page once per role
            self.send("GET", location, f"after {what}", follow=False)
        return response


# -- the crawl -------------------------------------------------------------------------

@pytest.fixture
def world(make, make_article, app):
    """Demo-like data: every role, a ticket at each level, articles in every state."""
    users = {"customer": make.user(name="Kundin Jürgens"), "l1": make.agent(1),
             "l2": make.agent(2), "l3": make.agent(3), "admin": make.user("admin")}
    orders, billing = make.category("orders"), make.category("billing")
    tickets = [make.ticket(users["customer"], level=level, category=orders,
                           subject=f"Rückerstattung fehlt ({level})") for level in (1, 2, 3)]
    tickets.append(make.ticket(make.user(), subject="Another customer's ticket"))
    first = tickets[0]
    make.message(first, users["customer"], "Here is the receipt.",
                 files={"receipt.txt": b"total: 12 EUR"})
    make.message(first, users["l1"], "Checked the payout log.", internal=True,
                 files={"log.txt": b"internal"})
    articles = [make_article("Rückerstattung an Kundinnen", language="de", category=billing,
                             body="Die **Rückerstattung** dauert [drei Tage](/kb/).",
                             tags=["refund"]),
                make_article("Payout checks", visibility="internal", category=orders),
                make_article("A draft", status="draft"),
                make_article("In review", status="in_review"),
                make_article("Old policy", status="archived")]
    edited = articles[0]
    curation.revise_article(edited, curation.ArticleInput(
        title=edited.title, body=edited.body + "\n\nZweite Fassung.", summary="Kurz.",
        language="de", tags=["refund"], category=billing), by=users["l2"])
    feedback = add_feedback(articles[1], kind=FeedbackKind.outdated, text="Old numbers",
                            by=users["l1"])
    db.session.commit()
    attachments = [a.id for m in db.session.scalars(sa.select(Message)) for a in m.attachments]
    contexts = []
    for n in range(max(len(tickets), len(articles))):
        article = articles[n % len(articles)]
        contexts.append({
            "ref": tickets[n % len(tickets)].ref, "article_id": article.id, "slug": article.slug,
            "number": 1, "category_id": (orders, billing)[n % 2].id,
            "user_id": list(users.values())[n % len(users)].id,
            "attachment_id": attachments[n % len(attachments)], "feedback_id": feedback.id,
            "token": make_reset_token(users["customer"]), "code": ("de", "en")[n % 2],
            "filename": "app.css"})
    return {"users": users, "contexts": contexts}


def _get_urls(app, contexts) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET route, built with each context's values."""
    adapter = app.url_map.bind("helpdesk.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        for context in contexts if rule.arguments else [{}]:
            try:
                url = adapter.build(rule.endpoint, {k: context[k] for k in rule.arguments},
                                    method="GET")
            except Exception:  # noqa: BLE001 -- a rule this data cannot fill
                continue
            if (rule.endpoint, url) not in urls:
                urls.append((rule.endpoint, url))
    return urls


def _crawl_pages(crawler, urls) -> list[tuple[str, str, PageParser]]:
    pages = []
    for endpoint, url in urls:
        response = crawler.send("GET", url, "page", follow=False)
        if response is not None and response.status_code == 200 and (
                response.mimetype == "text/html"):
            parser = PageParser(url)
            parser.feed(response.get_data(as_text=True))
            pages.append((endpoint, url, parser))
    return pages


def _query_params(crawler, pages, tried: set) -> None:
    """Every query parameter a page's GET forms and links use, and the common ones."""
    for endpoint, url, parser in pages:
        names = set()
        for form in parser.forms:
            if form.method == "GET" and crawler.endpoint("GET", urlsplit(form.action).path) == \
                    endpoint:
                names |= {name for name, _k, _v in form.fields}
        for href in parser.links:
            parts = urlsplit(href)
            if parts.query and crawler.endpoint("GET", parts.path or urlsplit(url).path) == \
                    endpoint:
                names |= {name for name, _v in parse_qsl(parts.query, keep_blank_values=True)}
        base = url + ("&" if "?" in url else "?")
        for name in sorted(names):
            if (endpoint, name) not in tried:
                tried.add((endpoint, name))
                for value in (MIXED, SUPERSCRIPT, "-1", BIG_NUMBER, HUGE_NUMBER):
                    crawler.send("GET", base + urlencode({name: value}), f"?{name}")
        if (endpoint, "*") not in tried:
            tried.add((endpoint, "*"))
            crawler.send("GET", base + urlencode({n: MIXED for n in GLOBAL_PARAMS}), "?all")
            crawler.send("GET", base + urlencode({"q": LONG_QUERY}), "?64kB")
            crawler.send("GET", base + "q=" + quote(DECOMPOSED), "?decomposed")


def _submit(crawler, form: Form, pairs, what: str) -> None:
    path = urlsplit(form.action).path + ("?" + urlsplit(form.action).query
                                         if urlsplit(form.action).query else "")
    if form.method == "GET":
        crawler.send("GET", path + ("&" if "?" in path else "?") + urlencode(pairs), what)
        return
    files = [name for name, kind, _v in form.fields if kind == "file"]
    if form.multipart:
        body, content_type = _multipart(pairs, files[0] if files else "")
    else:
        body, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    crawler.send(form.method, path, what, body=body, content_type=content_type)


def _attack_form(crawler, form: Form) -> None:
    """Each field hostile in turn (the others as a browser sends them), then the whole form."""
    base = form.baseline()
    names = list(dict.fromkeys(name for name, kind, _v in form.fields if kind != "file"))
    kinds = {name: kind for name, kind, _v in form.fields}
    for name in names:
        others = [(n, v) for n, v in base if n != name]
        numbers = () if kinds[name] in TEXT_KINDS else (SUPERSCRIPT, BIG_NUMBER)
        for value in (MIXED, *numbers):
            crawler.relogin()
            _submit(crawler, form, others + [(name, value)], f"{name}=hostile")
    texts = [name for name, kind, _v in form.fields if kind in ("textarea", "text", "search")]
    for name in [n for n, kind, _v in form.fields if kind == "textarea"]:
        for bomb in MARKDOWN_BOMBS:
            crawler.relogin()
            _submit(crawler, form, [(n, v) for n, v in base if n != name] + [(name, bomb)],
                    f"{name}=markdown bomb")
    if texts:                   # one long field is enough: a megabyte is refused (413)
        crawler.relogin()
        big = LONG_QUERY if form.method == "GET" else MEGABYTE
        _submit(crawler, form, [(n, v) for n, v in base if n != texts[0]] + [(texts[0], big)],
                "long text")
    if form.method == "GET":
        return
    path = urlsplit(form.action).path
    crawler.relogin()
    crawler.send(form.method, path, "raw invalid UTF-8 body",
                 body=b"&".join(n.encode() + b"=" + INVALID_UTF8 for n in names) or INVALID_UTF8,
                 content_type="application/x-www-form-urlencoded")
    for payload in ({n: f"{DECOMPOSED}\x00\ud800" for n in names}, [1, "x"], "text",
                    {n: {"nested": [1]} for n in names}):
        crawler.relogin()
        crawler.send(form.method, path, f"JSON {type(payload).__name__}",
                     body=json.dumps(payload).encode(), content_type="application/json")


def _placeholder(rule, name: str):
    return 1 if isinstance(rule._converters.get(name), NumberConverter) else "x"


def _attack_paths(crawler, contexts, endpoints: set[str], tried: set) -> None:
    """Hostile values in each path parameter of the routes this role reached."""
    marker = "HOSTILEPATHVALUE"
    for rule in crawler.app.url_map.iter_rules():
        if rule.endpoint not in endpoints or rule.endpoint in tried or not rule.arguments:
            continue
        tried.add(rule.endpoint)
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        for name, converter in rule._converters.items():
            is_int = isinstance(converter, NumberConverter)
            # An argument the world has no object for (a problem, a bulk reply, a synonym
            # group...) gets a number or a word: the hostile value replaces one argument at a
            # time, and the others only have to build the URL.
            values = {k: contexts[0].get(k, _placeholder(rule, k)) for k in rule.arguments}
            values[name] = 424242 if is_int else marker
            url = crawler.adapter.build(rule.endpoint, values, method=method)
            url = url.replace("424242" if is_int else marker, marker)
            for hostile in INT_PATH_VALUES if is_int else PATH_VALUES:
                crawler.relogin()
                crawler.send(method, url.replace(marker, quote(hostile, safe="%")),
                             f"<{name}> hostile")


@pytest.fixture
def crawl(app, client, login_as, caplog, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False      # a server error becomes a 500 and a log
    caplog.set_level(logging.WARNING)
    return Crawler(app, client, login_as, caplog)


def test_no_hostile_input_anywhere_gives_a_server_error(app, crawl, world):
    users = world["users"]
    tried_forms, tried_params, tried_paths = set(), set(), set()
    for role in ROLES:
        crawl.act_as(role, users.get(role))
        pages = _crawl_pages(crawl, _get_urls(app, world["contexts"]))
        _query_params(crawl, pages, tried_params)
        reached = {endpoint for endpoint, _url, _parser in pages}
        for _endpoint, _url, parser in pages:
            for form in parser.forms:
                endpoint = crawl.endpoint(form.method, urlsplit(form.action).path)
                reached.add(endpoint)
                key = (endpoint, form.method, frozenset(n for n, _k, _v in form.fields))
                if endpoint and key not in tried_forms:
                    tried_forms.add(key)
                    _attack_form(crawl, form)
        _attack_paths(crawl, world["contexts"], reached, tried_paths)
    # The pages again, now showing what was stored (mostly on the first ticket and article).
    for role in ROLES:
        crawl.act_as(role, users.get(role))
        _crawl_pages(crawl, _get_urls(app, world["contexts"][:1]))
    print(f"hostile crawl: {len(tried_forms)} forms, {len(tried_params)} query parameters, "
          f"{len(tried_paths)} routes' path parameters, {crawl.requests} requests")
    assert len(tried_forms) >= 20 and crawl.requests > 500, (len(tried_forms), crawl.requests)
    assert not crawl.failures, f"{len(crawl.failures)} failures:\n" + "\n".join(
        crawl.failures[:60])
    assert not crawl.slow, "\n".join(crawl.slow)


# -- the cases of the issue ------------------------------------------------------------

def _no_nul(*texts: str) -> bool:
    return all("\x00" not in (t or "") for t in texts)


def test_nul_in_login_email_is_an_ordinary_failed_login(client):
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert response.status_code in (200, 400)
    assert b"Something went wrong" not in response.data


def test_nul_in_ticket_subject_and_body_is_dropped(client, make, login_as):
    login_as(make.user())
    response = client.post("/tickets/new", data={
        "subject": "Pay\x00out missing", "body": "Where\x00 is it?\x07", "priority": "normal"})
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert (ticket.subject, ticket.body) == ("Payout missing", "Where is it?")


def test_nul_in_profile_name_is_dropped(client, make, login_as):
    user = make.user()
    login_as(user)
    response = client.post("/profile", data={"name": "Lea\x00 Mu\u0308ller", "language": "de"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Lea M\u00fcller"


def test_nul_in_article_is_dropped(client, make, login_as):
    login_as(make.agent(2))
    response = client.post("/kb/articles/new", data={
        "title": "Re\x00funds", "body": "Refunds take\x00 three days.", "summary": "S\x00",
        "tags": "re\x00fund", "language": "en", "visibility": "public", "version": "0"})
    assert response.status_code == 302
    article = db.session.scalar(sa.select(Article))
    assert (article.title, article.body, article.tags) == (
        "Refunds", "Refunds take three days.", "refund")
    assert _no_nul(article.summary)


def test_nul_in_queue_search_answers_normally(client, make, login_as):
    login_as(make.agent(1))
    make.ticket(subject="ab is here")
    response = client.get("/queue?q=a%00b")
    assert response.status_code == 200
    assert b"ab is here" in response.data


def test_nul_in_a_path_value_is_not_found(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    assert client.get(f"/tickets/{ticket.ref}").status_code == 200
    assert client.get(f"/tickets/{ticket.ref}%00").status_code == 404
    assert client.get(f"/tickets/HD-{SUPERSCRIPT}").status_code == 404


def test_decomposed_umlaut_search_finds_the_same_articles(client, make_article):
    for title in ("Rückerstattung an Kundinnen", "Rückerstattung bei Teillieferungen"):
        make_article(title, language="de", body="Die Rückerstattung dauert drei Tage.")
    composed = client.get("/kb/?q=" + quote("Rückerstattung")).get_data(as_text=True)
    decomposed = client.get("/kb/?q=" + quote(DECOMPOSED)).get_data(as_text=True)
    for title in ("Rückerstattung an Kundinnen", "Rückerstattung bei Teillieferungen"):
        assert title in composed and title in decomposed


def test_every_kind_of_value_reaches_the_database_clean(client, make, login_as):
    login_as(make.user())
    hostile = "".join(chr(c) for c in itertools.chain(range(0, 0x20), range(0x7f, 0xa0)))
    response = client.post("/tickets/new", data={
        "subject": f"Subject{hostile}", "body": f"Body {DECOMPOSED}{hostile}\r\nend",
        "priority": "normal"})
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.subject == "Subject"
    assert ticket.body == "Body R\u00fcckerstattung\t\n\n\nend"


def test_json_sent_to_a_form_page_is_a_bad_request(client):
    for payload in ([1, "x"], "text", {"email": {"nested": [1]}}):
        response = client.post("/login", data=json.dumps(payload),
                               content_type="application/json")
        assert response.status_code == 400


def test_a_megabyte_form_field_is_refused_as_too_large(client):
    response = client.post("/register", data={"name": "x", "email": "a" * 1_000_000})
    assert response.status_code == 413


def test_an_id_too_long_for_the_database_is_not_found(client, make, login_as):
    login_as(make.agent(2))
    for number in (BIG_NUMBER, HUGE_NUMBER):
        assert client.get("/kb/articles/" + number).status_code == 404
        assert client.get("/queue?category=" + number).status_code == 200
