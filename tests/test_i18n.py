"""The English catalogue: complete, consistent with its placeholders, compiled, in step with the
source, and actually used when a user switches to English."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import translation

from aftersales.core.errors import ValidationFailed
from aftersales.service import services
from aftersales.service.dispatch import qualification_problems

from .conftest import client_for, make_order
from .test_field import on_site

PACKAGE = Path(__file__).resolve().parent.parent / "aftersales"
LOCALE = PACKAGE / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"

HAN = re.compile(r"[\u3400-\u9fff]+")
# %(name)s-style (with optional flags/width), bare %s/%d, and str.format-style {name}.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{\w*\}")


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware activates the request's language for the thread and nothing resets it:
    without this, every later test module would run in English."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


# --- a deliberately tiny .po reader (polib is not a dependency) ----------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def label(self) -> str:
        return f"{PO.name}:{self.line} {self.msgid!r}"


def _unquote(token: str) -> str:
    # A PO string is a C string literal; for the escapes gettext writes (\" \\ \n \t) a Python
    # literal reads the same.
    return ast.literal_eval(token)


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    key: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, key
        if current is not None:
            entries.append(current)
        current, key = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            name, index, token = match.groups()
            if name.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                current.msgstr[key[1]] = _unquote(token)
            else:
                key = (name, 0)
                setattr(current, name, _unquote(token))
            continue
        if line.startswith('"') and key is not None:
            if key[0] == "msgstr":
                current.msgstr[key[1]] += _unquote(line)
            else:
                setattr(current, key[0], (getattr(current, key[0]) or "") + _unquote(line))
            continue
        raise AssertionError(f"{path.name}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def placeholders(text: str) -> tuple[frozenset[str], int]:
    """Named placeholders as a set (a translation may repeat or reorder them) and the number of
    positional ones (which must stay in number)."""
    named = frozenset(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(1))
    positional = sum(
        1 for m in PLACEHOLDER.finditer(text) if not m.group(1) and m.group(0)[0] == "%"
    )
    braces = frozenset(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0)[0] == "{")
    return named | braces, positional


def catalogue() -> list[Entry]:
    return [e for e in parse_po(PO) if not e.obsolete]


def messages() -> list[Entry]:
    return [e for e in catalogue() if e.msgid]


# --- (a) the catalogue is complete and consistent -------------------------------------------


def test_parser_reads_the_catalogue():
    entries = messages()
    assert len(entries) > 500
    by_id = {e.msgid: e for e in entries}
    assert by_id["工单列表"].msgstr == {0: "Work order list"}
    plural = next(e for e in entries if e.msgid_plural)
    assert set(plural.msgstr) == {0, 1}


def test_header_declares_english_and_utf8_and_is_not_fuzzy():
    header = next(e for e in catalogue() if e.msgid == "")
    assert "fuzzy" not in header.flags, "msgfmt skips a fuzzy header (and with it the charset)"
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "nplurals=2" in header.msgstr[0]


def test_every_entry_is_translated_and_not_fuzzy():
    problems = []
    for entry in messages():
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.label}: fuzzy")
        expected_forms = {0, 1} if entry.msgid_plural else {0}
        if set(entry.msgstr) != expected_forms:
            problems.append(f"{entry.label}: forms {sorted(entry.msgstr)}")
        for index, text in entry.msgstr.items():
            if not text.strip():
                problems.append(f"{entry.label}: msgstr[{index}] is empty")
            elif HAN.search(entry.msgid) and text == entry.msgid:
                problems.append(f"{entry.label}: msgstr[{index}] copies the Chinese")
    assert not problems, "untranslated English entries:\n" + "\n".join(problems)


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    problems = []
    for entry in messages():
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted_named = frozenset().union(*(placeholders(s)[0] for s in sources))
        wanted_positional = placeholders(entry.msgid)[1]
        for index, text in entry.msgstr.items():
            named, positional = placeholders(text)
            if named != wanted_named or positional != wanted_positional:
                problems.append(
                    f"{entry.label}: msgstr[{index}] has {sorted(named)}/{positional}, "
                    f"msgid has {sorted(wanted_named)}/{wanted_positional}"
                )
    assert not problems, "placeholder mismatch:\n" + "\n".join(problems)


def test_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    assert placeholders("工单 %(number)s 已%(action)s")[0] == {"%(number)s", "%(action)s"}
    assert (
        placeholders("Order %(number)s done")[0] != placeholders("工单 %(number)s 已%(action)s")[0]
    )
    assert placeholders("%(name)s 签字")[0] != placeholders("%(nmae)s signed")[0]
    assert placeholders("可使用 {number}")[0] == {"{number}"}
    assert placeholders("%s 和 %s")[1] == 2


def test_catalogue_is_in_step_with_the_source(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the source must find nothing that is not already translated: a
    new `_("…")` or `{% trans %}` without an English entry fails here."""
    copy = tmp_path / "aftersales"

    def ignore(directory: str, names: list[str]) -> set[str]:
        keep = (".py", ".html", ".txt", ".po")
        return {
            n
            for n in names
            if n in {"__pycache__", "migrations"}
            or (not (Path(directory) / n).is_dir() and not n.endswith(keep))
        }

    shutil.copytree(PACKAGE, copy, ignore=ignore)
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["en"],
        no_obsolete=True,
        ignore_patterns=["migrations/*"],
        verbosity=0,
    )
    fresh = [e for e in parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po") if e.msgid]
    fresh = [e for e in fresh if not e.obsolete]
    committed = {(e.msgctxt, e.msgid) for e in messages()}
    new = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in committed)
    gone = sorted(committed - {(e.msgctxt, e.msgid) for e in fresh})
    untranslated = sorted(
        e.msgid for e in fresh if "fuzzy" in e.flags or not all(e.msgstr.values())
    )
    assert not new and not untranslated, (
        "run makemessages -l en --no-obsolete in aftersales/ and translate:\n"
        + "\n".join(map(repr, sorted(set(new) | set(untranslated))))
    )
    assert not gone, f"entries no longer in the source (re-run makemessages): {gone}"


# --- (b) the compiled catalogue matches the .po ----------------------------------------------


def test_mo_file_matches_the_po_file():
    """Every entry of the .po reads back from the committed .mo: a translation edited without
    running compilemessages fails here."""
    with MO.open("rb") as fh:
        compiled = gnu_gettext.GNUTranslations(fh)
    stale = []
    for entry in messages():
        if entry.msgid_plural:
            got = {n: compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)}
            want = {1: entry.msgstr[0], 2: entry.msgstr[1]}
        elif entry.msgctxt is not None:
            got, want = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]
        else:
            got, want = compiled.gettext(entry.msgid), entry.msgstr[0]
        if got != want:
            stale.append(f"{entry.label}: .mo has {got!r}, .po has {want!r}")
    assert not stale, "django.mo is stale, run compilemessages:\n" + "\n".join(stale[:20])


def test_django_serves_the_english_catalogue():
    sample = [e for e in messages() if not e.msgid_plural and e.msgctxt is None][::25]
    assert len(sample) > 20
    with translation.override("en"):
        for entry in sample:
            assert translation.gettext(entry.msgid) == entry.msgstr[0], entry.label
        assert (
            translation.ngettext("%(n)s 个进行中的工单", "%(n)s 个进行中的工单", 1) % {"n": 1}
            == "1 open job"
        )
        assert (
            translation.ngettext("%(n)s 个进行中的工单", "%(n)s 个进行中的工单", 3) % {"n": 3}
            == "3 open jobs"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("工单列表") == "工单列表"


# --- (c) pages follow the language switch ----------------------------------------------------


def _data_strings() -> list[str]:
    """Every stored text with Chinese in it (names, addresses, fault descriptions…): pages show
    those as entered, so they are not a translation failure."""
    found: set[str] = {name for _code, name in settings.LANGUAGES}
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        if not text_fields:
            continue
        for row in model._default_manager.values_list(*text_fields):
            found.update(v for v in row if isinstance(v, str) and HAN.search(v))
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for user in User.objects.all():
        found.update({str(user), user.get_full_name(), user.last_name + user.first_name})
    # Chinese kept on purpose in the English catalogue (address examples such as 北京市朝阳区).
    found.update(text for e in messages() for text in e.msgstr.values() if HAN.search(text))
    return [s for s in found if s]


def _untranslated(html: str, data: list[str]) -> set[str]:
    html = re.sub(r'<span class="brand-mark[^"]*"[^>]*>.</span>', "", html)  # decorative logo
    return {run for run in HAN.findall(html) if not any(run in text for text in data)}


def _english(client) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_locale_middleware_is_active():
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE
    assert ("en", "English") in [(c, str(n)) for c, n in settings.LANGUAGES]


@pytest.mark.parametrize(
    ("who", "url_name", "english", "chinese"),
    [
        (
            "agent",
            "service:order_list",
            ["Work orders", "Hotline intake", "Received at"],
            ["热线登记", "受理时间"],
        ),
        (
            "agent",
            "service:intake",
            ["Hotline intake", "Reporter", "Register service request"],
            ["热线登记", "登记报修"],
        ),
        ("manager", "service:dispatch_board", ["Dispatch board", "Respond"], ["派工台", "响应"]),
        ("tech", "field:my_jobs", ["My jobs", "1 open job"], ["我的任务", "进行中的工单"]),
        (
            "customer_user",
            "portal:home",
            ["My equipment", "Open service requests"],
            ["我的设备", "进行中的报修"],
        ),
        ("supervisor", "supervision:callback_list", ["Callbacks"], ["回访"]),
        ("supervisor", "supervision:survey_list", ["Response rate"], ["回复率"]),
        ("supervisor", "supervision:mystery_list", ["Record an inspection"], ["登记检查"]),
        ("supervisor", "supervision:visit_list", ["Customer visits"], ["客户走访"]),
        ("supervisor", "supervision:suggestion_list", ["Suggestion box"], ["意见箱"]),
        (
            "director",
            "reports:overview",
            ["Overview", "Overdue callbacks", "Feedback form grades", "Mystery inspection"],
            ["监督总览", "逾期未回访"],
        ),
        ("director", "reports:dashboard", ["Analytics", "Service timeliness rate"], ["统计分析"]),
        ("director", "report_documents:index", ["Statistical reports"], ["统计报表", "月度总结"]),
        ("director", "assessment:home", ["Monthly assessment"], ["月度考核"]),
        (
            "director",
            "evaluation:project_list",
            ["Service quality evaluation", "New evaluation project"],
            ["服务质量评价", "新建评价项目"],
        ),
        (
            "director",
            "certification:list",
            ["After-sales service certification self-assessment", "New self-assessment"],
            ["售后服务认证自评", "新建自评"],
        ),
    ],
)
def test_page_renders_in_english(world, who, url_name, english, chinese):
    order = make_order(world)
    if who == "tech":
        services.work_order_transition(order=order, action="respond", actor=world["agent"])
        services.work_order_transition(
            order=order,
            action="dispatch",
            actor=world["manager"].user,
            technicians=[world["tech"].pk],
        )
    user = world[who].user if who in {"manager", "tech"} else world[who]
    client = client_for(user)

    native = client.get(reverse(url_name))
    assert native.status_code == 200
    assert all(word in native.content.decode() for word in chinese), "control: Chinese by default"

    response = _english(client).get(reverse(url_name))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en"' in page
    for word in english:
        assert word in page, f"{word!r} missing from {url_name} in English"
    leftovers = _untranslated(page, _data_strings())
    for word in chinese:
        assert word not in leftovers, f"{word!r} still on {url_name} in English"
    assert not leftovers, f"untranslated Chinese on {url_name}: {sorted(leftovers)}"


def test_accept_language_header_selects_english(world):
    response = client_for(world["agent"]).get(
        reverse("service:order_list"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    )
    page = response.content.decode()
    assert "Hotline intake" in page and "热线登记" not in page


def test_order_detail_and_field_job_render_in_english(world):
    order = on_site(world)
    data = _data_strings()
    for user, url, words in [
        (
            world["agent"],
            reverse("service:order_detail", args=[order.pk]),
            ["Service request", "Site visits", "Warranty decision"],
        ),
        (
            world["tech"].user,
            reverse("field:job", args=[order.pk]),
            ["On-site actions", "Four-step record", "Save four-step record"],
        ),
        (
            world["customer_user"],
            reverse("portal:order", args=[order.pk]),
            ["Progress", "Reporter"],
        ),
        (
            world["customer_user"],
            reverse("portal:unit", args=[world["unit"].pk]),
            ["Warranty period", "Service history"],
        ),
    ]:
        response = _english(client_for(user)).get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for word in words:
            assert word in page, f"{word!r} missing from {url}"
        leftovers = _untranslated(page, data)
        assert not leftovers, f"untranslated Chinese on {url}: {sorted(leftovers)}"


def test_login_page_renders_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login")).content.decode()
    assert "Log in" in page and "Password" in page
    assert "登录" not in page and "密码" not in page


def test_switching_language_through_set_language_view(world):
    client = client_for(world["agent"])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/orders/"})
    assert response.status_code == 302
    page = client.get("/orders/").content.decode()
    assert "Hotline intake" in page and "热线登记" not in page


def test_action_labels_follow_the_language():
    with translation.override("en"):
        assert str(services.ACTION_LABELS["respond"]) == "Respond"
        assert str(services.ACTION_LABELS["arrive"]) == "On site"


# --- (d) service errors come out in the user's language ---------------------------------------


def test_service_error_message_is_english_under_english():
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        services.normalise_phone("123")
    message = str(excinfo.value.message)
    assert message.startswith("Phone number “123” is invalid")
    assert not HAN.search(message)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as excinfo:
        services.normalise_phone("123")
    assert "格式不正确" in str(excinfo.value.message)


def test_dispatch_eligibility_problem_is_english(world):
    world["tech"].is_active = False
    world["tech"].save()
    order = make_order(world)
    with translation.override("en"):
        problems = [str(p) for p in qualification_problems(staff=world["tech"], order=order)]
    assert any(p.endswith("is not on duty") for p in problems), problems


def test_api_error_follows_accept_language(world):
    from .conftest import api_client_for

    response = api_client_for(world["agent"]).post(
        "/api/v1/work-orders/",
        {
            "reporter_name": "Li",
            "contact_mobile": "123",
            "fault_description": "x",
            "serial": "LBUS0000001",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "is invalid" in body and "格式不正确" not in body


def test_evaluation_and_self_assessment_pages_render_in_english(world):
    """The pages full of judgements and checklist items: everything but the stored names (the
    tree's indicators, the standard's requirement texts) in English."""
    from aftersales.accounts.models import Role
    from aftersales.certification.demo import demo_data as certification_demo
    from aftersales.evaluation.demo import demo_data as evaluation_demo

    from . import factories as f

    f.UserFactory(username="i18n-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    project = evaluation_demo()
    assessment = certification_demo(actor=world["director"])
    assert project is not None and assessment is not None
    expert = project.experts.order_by("pk").first()
    data = _data_strings()
    client = _english(client_for(world["director"]))
    for url, words in [
        (
            reverse("evaluation:detail", args=[project.pk]),
            ["Global weight", "Evaluated subject", "Pairwise comparison judgement matrices"],
        ),
        (reverse("evaluation:matrix", args=[project.pk, expert.pk]), ["CR"]),
        (reverse("evaluation:scores", args=[project.pk]), ["Save"]),
        (
            reverse("certification:detail", args=[assessment.pk]),
            ["Scores by category", "Gaps (by points lost, most first)", "In progress"],
        ),
        (reverse("certification:tree"), ["Evaluation indicators and points"]),
    ]:
        response = client.get(url)
        if response.status_code == 403 or response.status_code == 404:
            response = _english(
                client_for(type(world["director"]).objects.get(username="i18n-admin"))
            ).get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for word in words:
            assert word in page, f"{word!r} missing from {url} in English"
        leftovers = _untranslated(page, data)
        assert not leftovers, f"untranslated Chinese on {url}: {sorted(leftovers)}"
