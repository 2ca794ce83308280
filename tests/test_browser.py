"""End to end in headless Chromium: the real app process, the real model, a real browser.

Screenshots and the measured time-to-first-text land in tests/artifacts/.
"""

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from index.settings import PROJECT_ROOT
from tests.conftest import free_port, serving

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOT = "#chat [data-testid=bot]"
UPLOAD = (
    "Festival Layang-layang <b>Bali</b>\nFestival layang-layang <script>window.__pwned=1</script> digelar di "
    "Pantai Padanggalak pada 12 Juli 2025. <img src=x onerror=alert(1)> Ratusan peserta datang.\n"
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, model_home, real_embedder):
    home = tmp_path_factory.mktemp("browser-home")
    (home / "models").symlink_to(model_home / "models", target_is_directory=True)  # converted once
    port = free_port()
    env = dict(os.environ, BERITA_HOME=str(home), PYTHONUNBUFFERED="1")
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "app", "--port", str(port)]
    with serving(command, url, home / "app.log", timeout=180, cwd=PROJECT_ROOT, env=env):
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "Debian's chromium is missing: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url, **options):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(**options)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture
def page(browser, app_url):
    page = open_page(browser, app_url, viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


@pytest.fixture
def phone(browser, app_url):
    """A phone-sized page (iPhone 12-15: 390 × 844 CSS pixels): the panels stack in one column."""
    page = open_page(
        browser, app_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=3
    )
    yield page
    page.close()


def in_viewport(page, element) -> bool:
    box, view = element.bounding_box(), page.viewport_size
    return 0 <= box["y"] and box["y"] + box["height"] <= view["height"] and 0 <= box["x"] <= view["width"]


def inside(element, container) -> bool:
    box, outer = element.bounding_box(), container.bounding_box()
    return outer["y"] <= box["y"] and box["y"] + box["height"] <= outer["y"] + outer["height"] + 1


def ask(page, question: str) -> tuple[str, float]:
    """Type, press Enter; return the final bot text and seconds from Enter to its first text."""
    count = len(page.query_selector_all(BOT))
    page.fill("#question textarea", question)
    start = time.monotonic()
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        f"""() => {{ const m = document.querySelectorAll('{BOT}');
            return m.length > {count} && !['', '…'].includes(m[m.length - 1].innerText.trim()); }}""",
        timeout=30_000,
        polling=10,
    )
    first_text = time.monotonic() - start
    page.wait_for_function("() => !document.querySelector('#chat .generating, .progress-text')", timeout=30_000)
    page.wait_for_timeout(300)
    return page.query_selector_all(BOT)[-1].inner_text().strip(), first_text


def click_and_wait(page, element) -> None:
    """Click a [n] marker or a source; return once the server's render is in and shown
    (page.js counts each time it shows the highlight)."""
    before = page.evaluate("() => window.berita.runs")
    element.click()
    page.wait_for_function(f"() => window.berita.runs > {before}", timeout=10_000)


def test_ask_click_citation_refuse_upload(page):
    timings = []
    text, t = ask(page, "When was the Arctic exercise?")
    timings.append(t)
    assert re.search("3 (October|Oktober) 2024", text) and text.endswith("[1]"), text
    if text.startswith("According to the article:"):  # a quote: the likely answer is shown in bold
        strong = page.query_selector_all(f"{BOT} strong")[-1]
        assert "3 Oktober 2024" in strong.inner_text()
        sizes = strong.evaluate("e => [getComputedStyle(e).fontSize, getComputedStyle(e.parentElement).fontSize]")
        assert sizes[0] == sizes[1], sizes  # bold, not bigger
    page.screenshot(path=ARTIFACTS / "1-answer-en.png")

    click_and_wait(page, page.query_selector_all(f'{BOT} a[href^="#cite-"]')[-1])
    active = page.query_selector("#article mark.active")
    assert "Samudra Arktik pada 3 Oktober 2024." in active.inner_text()
    assert active.inner_text().startswith("Kedua negara telah meningkatkan")  # exactly the cited sentence
    assert active.is_visible()
    assert active.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 179, 71)"  # page style applied
    box, panel = active.bounding_box(), page.query_selector("#article .article").bounding_box()
    assert panel["y"] <= box["y"] and box["y"] + box["height"] <= panel["y"] + panel["height"] + 1  # scrolled into view
    page.screenshot(path=ARTIFACTS / "2-citation-highlighted.png")

    text, t = ask(page, "Kapan latihan bersama di Samudra Arktik dilaksanakan?")
    timings.append(t)
    assert "3 Oktober 2024" in text and text.endswith("[1]") and "October" not in text
    assert page.query_selector("#article mark.active").get_attribute("id") == "art-1-1"
    click_and_wait(page, page.query_selector(f'{BOT} a[href="#cite-0-1"]'))  # the first answer's marker
    assert page.query_selector("#article mark.active").get_attribute("id") == "art-0-1"
    assert page.query_selector("#sources [data-cite]").get_attribute("data-cite") == "0-1"  # its sources too

    text, t = ask(page, "How many ships took part?")
    timings.append(t)
    assert text.startswith("The article does not say")
    assert page.query_selector_all(f"{BOT} blockquote")  # refusals look different
    assert "Related passages" in page.inner_text("#sources")
    assert not page.query_selector("#article mark.active")  # a refusal highlights nothing ...
    click_and_wait(page, page.query_selector('#sources [data-cite="2-r1"]'))  # ... until a related source is clicked
    assert page.query_selector("#article mark.active").get_attribute("id") == "art-2-1"
    page.screenshot(path=ARTIFACTS / "3-refusal.png")

    page.click("#articles button, #articles .label-wrap")
    upload = ARTIFACTS / "festival.txt"
    upload.write_text(UPLOAD, encoding="utf-8")
    page.set_input_files("#upload input[type=file]", str(upload))
    page.wait_for_function("() => document.querySelector('#status')?.innerText.includes('Added')", timeout=60_000)
    assert "Festival Layang-layang <b>Bali</b>" in page.inner_text("#library")  # shown as text
    text, t = ask(page, "Kapan festival layang-layang digelar?")
    timings.append(t)
    assert "12 Juli 2025" in text and text.endswith("[1]")
    click_and_wait(page, page.query_selector_all(f'{BOT} a[href^="#cite-"]')[-1])
    assert "Festival Layang-layang <b>Bali</b>" in page.inner_text("#article h3")
    assert page.evaluate("() => window.__pwned") is None
    assert not page.query_selector_all("#article img, #library img, #library b, #article script")
    page.screenshot(path=ARTIFACTS / "4-uploaded-article.png")
    assert page.dialogs == []

    report = ", ".join(f"{x * 1000:.0f} ms" for x in timings)
    (ARTIFACTS / "first-text-latency.txt").write_text(f"Enter → first streamed text: {report}\n")
    print(f"\nEnter → first streamed text: {report}")
    assert max(timings) < 5  # generous bound for a loaded CI machine; the target (<1 s) is reported above


def test_injected_markup_in_a_question_is_shown_as_text(page):
    question = "<img src=x onerror=alert(1)> <script>window.__pwned=1</script> When was the Arctic exercise?"
    ask(page, question)
    user = page.query_selector_all("#chat [data-testid=user]")[-1]
    assert "<img src=x onerror=alert(1)>" in user.inner_text()
    assert not page.query_selector_all("#chat img[src=x], #chat script")
    assert page.evaluate("() => window.__pwned") is None
    page.wait_for_timeout(500)
    assert page.dialogs == []
    page.screenshot(path=ARTIFACTS / "5-injection-as-text.png")


def test_interface_language_switch(page):
    page.click("#ui-lang label:has-text('Bahasa Indonesia')")
    page.wait_for_function("() => document.body.innerText.includes('Tanya artikel')")
    assert page.query_selector("#send").inner_text().strip() == "Kirim"
    text, _ = ask(page, "When was the Arctic exercise?")  # answers follow the question's language
    assert text.startswith(("3 October 2024", "According to the article:")), text


def test_phone_keeps_the_answer_in_view_and_scrolls_only_the_article_panel(phone):
    """After sending, the window stays put (the answer in view) while the article panel scrolls
    itself to the highlighted sentence; a click on a citation may bring the panel into view."""
    phone.fill("#question textarea", "Apa isi perjanjian no limit partnership?")
    window_before = phone.evaluate("() => window.scrollY")
    runs = phone.evaluate("() => window.berita.runs")
    text, _ = ask(phone, "Apa isi perjanjian no limit partnership?")
    last_marker = re.search(r"\[(\d+)\]$", text)
    assert last_marker, text  # a long, cited answer
    phone.wait_for_function(f"() => window.berita.runs > {runs}")  # the after-answer script has run
    phone.screenshot(path=ARTIFACTS / "6-phone-answer.png")
    last = phone.query_selector_all(BOT)[-1]
    assert in_viewport(phone, last), (last.bounding_box(), phone.evaluate("() => window.scrollY"))
    assert phone.evaluate("() => window.scrollY") == window_before  # sending never scrolls the window
    panel, active = phone.query_selector("#article .article"), phone.query_selector("#article mark.active")
    assert panel.bounding_box()["y"] > last.bounding_box()["y"]  # stacked: the article is below the chat
    assert inside(active, panel)  # the panel scrolled its own content to the highlight
    assert not in_viewport(phone, active), "the test needs the article below the fold, as on a real phone"

    click_and_wait(phone, phone.query_selector_all(f'{BOT} a[href^="#cite-"]')[-1])  # the last marker
    panel, active = phone.query_selector("#article .article"), phone.query_selector("#article mark.active")
    assert active.get_attribute("id") == f"art-0-{last_marker.group(1)}"
    assert in_viewport(phone, active) and inside(active, panel)  # a click may bring the article into view
    phone.screenshot(path=ARTIFACTS / "7-phone-citation.png")
    assert phone.dialogs == []


def test_bad_input_in_the_browser_gets_a_reply_and_runs_nothing(page):
    """The bad-input suite's questions and uploads, typed and dropped as a user would."""
    from tests.bad_inputs import BAD_UPLOADS, QUESTIONS

    for name in ("html", "script", "markdown_link", "bidi", "control", "emoji", "arabic", "template", "sql"):
        text, _ = ask(page, QUESTIONS[name])
        assert text and text != "…", name
    assert page.evaluate("() => window.__pwned") is None
    assert not page.query_selector_all("#chat img[src=x], #chat script, #chat a[href^='javascript']")
    page.click("#articles button, #articles .label-wrap")
    library = page.inner_text("#library")
    status = ""
    for name in ("binary.txt", "latin1.txt", "empty.txt"):  # each refusal reads differently from the last
        upload = ARTIFACTS / name
        upload.write_bytes(BAD_UPLOADS[name])
        page.set_input_files("#upload input[type=file]", str(upload))
        page.wait_for_function(
            "(before) => { const t = document.querySelector('#status')?.innerText.trim() || '';"
            r" return t.startsWith('⚠️') && !/\n|\d\.\ds/.test(t) && t !== before; }",
            arg=status,
            timeout=30_000,
        )
        status = page.inner_text("#status").strip()
        assert len(status.splitlines()) == 1 and "Traceback" not in status, status
    assert page.inner_text("#library") == library  # nothing added, nothing lost
    assert page.dialogs == []
