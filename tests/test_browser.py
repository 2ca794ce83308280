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


@pytest.fixture
def page(browser, app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    yield page
    page.close()


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

    page.query_selector_all(f'{BOT} a[href^="#cite-"]')[-1].click()
    page.wait_for_selector("#article mark.active")
    active = page.query_selector("#article mark.active")
    assert "Samudra Arktik pada 3 Oktober 2024." in active.inner_text()
    assert active.inner_text().startswith("Kedua negara telah meningkatkan")  # exactly the cited sentence
    page.wait_for_timeout(300)
    assert active.is_visible()
    assert active.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 179, 71)"  # page style applied
    box, panel = active.bounding_box(), page.query_selector("#article .article").bounding_box()
    assert panel["y"] <= box["y"] and box["y"] + box["height"] <= panel["y"] + panel["height"] + 1  # scrolled into view
    page.screenshot(path=ARTIFACTS / "2-citation-highlighted.png")

    text, t = ask(page, "Kapan latihan bersama di Samudra Arktik dilaksanakan?")
    timings.append(t)
    assert "3 Oktober 2024" in text and text.endswith("[1]") and "October" not in text
    page.query_selector("#sources [data-cite]").click()  # a source, not a marker
    page.wait_for_function("() => document.querySelector('#article mark.active')?.id === 'art-1-1'")

    text, t = ask(page, "How many ships took part?")
    timings.append(t)
    assert text.startswith("The article does not say")
    assert page.query_selector_all(f"{BOT} blockquote")  # refusals look different
    assert "Related passages" in page.inner_text("#sources")
    page.screenshot(path=ARTIFACTS / "3-refusal.png")

    page.click("#articles button, #articles .label-wrap")
    upload = ARTIFACTS / "festival.txt"
    upload.write_text(UPLOAD, encoding="utf-8")
    page.set_input_files("#upload input[type=file]", str(upload))
    page.wait_for_function("() => document.querySelector('#status')?.innerText.includes('Added')", timeout=60_000)
    assert "Festival Layang-layang <b>Bali</b>" in page.inner_text("#library")  # shown as text
    text, t = ask(page, "Kapan festival layang-layang digelar?")
    timings.append(t)
    assert text == "12 Juli 2025 [1]"
    page.query_selector_all(f'{BOT} a[href^="#cite-"]')[-1].click()
    page.wait_for_selector("#article mark.active")
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
