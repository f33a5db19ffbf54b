"""The widget in headless Chromium (Debian's /usr/bin/chromium; no browser download).

Two tests serve the demo page from an app started here (no Rasa needed: keyboard,
isolation of styles, mobile layout, error states). The conversation test needs the real
stack (`stack` fixture of tests/conftest.py).
Screenshots go to tests/artifacts/ (git-ignored); the desktop one with an answer is
copied to docs/widget.png for the README.
"""
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.app import create_app
from bot.config import load_config

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "widget.png"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
ATTACK = "<script>alert(1)</script><img src=x onerror=alert(2)>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)"),
]


# ---------------------------------------------------------------- browser and servers

@pytest.fixture(scope="module")
def context():
    """One Chromium with a fresh user-data dir; each test opens its own pages (and so
    gets its own sessionStorage)."""
    profile = tempfile.mkdtemp(prefix="hts-chromium-")
    with playwright_api.sync_playwright() as playwright:
        browser_context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=DESKTOP, locale="vi-VN")
        browser_context.set_default_timeout(15_000)
        yield browser_context
        browser_context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def serve_app(tmp_path, closed_url):
    """Start create_app(overrides) on a local port in a thread; returns its URL."""
    servers = []

    def serve(overrides: dict) -> str:
        settings = {"web.database": str(tmp_path / "assistant.sqlite3"), "web.rate_limit_per_minute": 10_000,
                    "web.cors_origins": [], "actions.url": closed_url}
        settings.update(overrides)
        server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


# ---------------------------------------------------------------- helpers

def open_page(context, url: str, viewport=DESKTOP, block_widget=False):
    page = context.new_page()
    page.set_viewport_size(viewport)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    if block_widget:
        page.route("**/widget.js", lambda route: route.abort())
    page.goto(url)
    return page


def launcher(page):
    return page.locator("hts-assistant button.launcher")


def panel(page):
    return page.locator("hts-assistant #hts-panel")


def wait_for_widget(page):
    expect(launcher(page)).to_be_visible()


def shadow_active_id(page) -> str:
    return page.evaluate("""() => {
        const active = document.querySelector('hts-assistant').shadowRoot.activeElement;
        return active ? (active.id || active.className) : '';
    }""")


def bot_turns(page):
    return page.locator("hts-assistant .turn.bot:not(.welcome):not(.typing):not(.error)")


def user_bubbles(page):
    return page.locator("hts-assistant .bubble.user")


def ask(page, text: str):
    box = page.locator("hts-assistant #hts-input")
    box.fill(text)
    box.press("Enter")


HOST_STYLE_PROBE = """() => {
    const pick = (el) => { const s = getComputedStyle(el);
        return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.lineHeight, s.letterSpacing, s.margin]; };
    return { body: pick(document.body), title: pick(document.querySelector('.portal-title')),
             news: pick(document.querySelector('.news-item p')), link: pick(document.querySelector('.portal-menu a')) };
}"""


def no_injected_elements(page) -> bool:
    return page.evaluate("""() => {
        const root = document.querySelector('hts-assistant').shadowRoot;
        return document.querySelectorAll('img, hts-assistant script').length === 0
            && root.querySelectorAll('img, script').length === 0;
    }""")


# ---------------------------------------------------------------- tests without the stack

def test_widget_keeps_host_styles_opens_with_keyboard_and_fills_a_phone_screen(context, serve_app, closed_url):
    url = serve_app({"rasa.url": closed_url})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    bare = open_page(context, url + "/", block_widget=True)
    before = bare.evaluate(HOST_STYLE_PROBE)
    assert bare.locator("hts-assistant").count() == 0
    bare.close()

    page = open_page(context, url + "/")
    wait_for_widget(page)
    assert page.locator("hts-assistant").count() == 1
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    page.screenshot(path=str(ARTIFACTS / "desktop-closed.png"))

    # Keyboard: Enter on the launcher opens and focuses the question box, Esc closes
    # and gives focus back to the launcher.
    launcher(page).focus()
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(launcher(page)).to_have_attribute("aria-label", "Đóng trợ lý")
    expect(panel(page)).to_have_attribute("aria-modal", "false")
    assert shadow_active_id(page) == "hts-input"
    expect(page.locator("hts-assistant [role=log]")).to_have_attribute("aria-live", "polite")
    expect(page.locator("hts-assistant .welcome .chip")).to_have_count(4)
    page.screenshot(path=str(ARTIFACTS / "desktop-open-welcome.png"))
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    assert "launcher" in shadow_active_id(page)

    # The host page looks exactly as it did without the widget...
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    assert page.evaluate(HOST_STYLE_PROBE) == before
    # ...and the host's serif font and letter spacing do not leak into the widget.
    widget_font = launcher(page).evaluate("el => [getComputedStyle(el).fontFamily, getComputedStyle(el).letterSpacing]")
    assert "serif" not in widget_font[0].replace("sans-serif", "") and widget_font[1] == "normal"
    page.close()

    phone = open_page(context, url + "/", viewport=MOBILE)
    wait_for_widget(phone)
    phone.screenshot(path=str(ARTIFACTS / "mobile-closed.png"))
    launcher(phone).click()
    expect(panel(phone)).to_be_visible()
    box = panel(phone).bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, MOBILE["width"], MOBILE["height"])
    phone.screenshot(path=str(ARTIFACTS / "mobile-open-welcome.png"))
    # Full screen means modal: Tab cycles inside the panel instead of reaching the page.
    expect(panel(phone)).to_have_attribute("aria-modal", "true")
    for _ in range(12):
        phone.keyboard.press("Tab")
        assert phone.evaluate("""() => { const root = document.querySelector('hts-assistant').shadowRoot;
            return !!root.activeElement && root.getElementById('hts-panel').contains(root.activeElement); }""")
    phone.locator("hts-assistant button.close").click()
    expect(panel(phone)).to_be_hidden()
    expect(launcher(phone)).to_be_visible()
    phone.close()


def test_widget_shows_errors_with_a_working_retry_and_user_text_stays_text(context, serve_app, closed_url, silent_url):
    # Rasa down (closed port): the API answers 503 with its Vietnamese message.
    url = serve_app({"rasa.url": closed_url})
    page = open_page(context, url + "/")
    sent = []
    page.on("request", lambda request: sent.append(request.post_data_json)
            if request.url.endswith("/api/chat") else None)
    wait_for_widget(page)
    launcher(page).click()
    ask(page, ATTACK)
    alert = page.locator("hts-assistant .turn.error[role=alert]")
    expect(alert).to_contain_text("tạm ngừng hoạt động")
    retry = alert.get_by_role("button", name="Thử lại")
    expect(retry).to_be_visible()
    # What the user typed is shown as text, nothing of it became markup.
    expect(user_bubbles(page)).to_have_count(1)
    assert user_bubbles(page).first.text_content() == ATTACK
    assert no_injected_elements(page) and page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "desktop-error.png"))

    retry.click()
    expect(alert).to_have_count(1)             # the failed answer is replaced, not stacked
    expect(alert).to_contain_text("tạm ngừng hoạt động")
    expect(user_bubbles(page)).to_have_count(1)  # resent, not typed again
    assert len(sent) == 2 and sent[0] == sent[1] and sent[1]["message"] == ATTACK
    assert page.dialogs == []

    # The server itself unreachable (network error): the widget's own message.
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    ask(page, "Khi nào tắt sóng 2G?")
    expect(page.locator("hts-assistant .turn.error").last).to_contain_text("Không kết nối được với máy chủ")
    page.unroute("**/api/chat")
    page.close()

    # Rasa hung: the typing indicator shows while waiting, then the timeout message.
    slow_url = serve_app({"rasa.url": silent_url, "rasa.timeout_seconds": 2})
    page = open_page(context, slow_url + "/", viewport=MOBILE)
    wait_for_widget(page)
    launcher(page).click()
    ask(page, "Mục tiêu 5G của Tuyên Quang?")
    typing = page.locator("hts-assistant .typing")
    expect(typing).to_be_visible()
    expect(page.locator("hts-assistant #hts-panel .send")).to_be_disabled()
    expect(page.locator("hts-assistant .turn.error")).to_contain_text("quá lâu", timeout=10_000)
    expect(typing).to_have_count(0)
    expect(page.locator("hts-assistant .turn.error").get_by_role("button", name="Thử lại")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "mobile-error.png"))
    page.close()


def test_widget_renders_what_the_server_sends_as_text(context, serve_app, closed_url):
    """Whatever comes back (answer text, buttons, sources, table) is built with
    textContent: markup in it shows as characters. The API answer is stubbed in the
    browser here (page.route): this checks the widget's rendering, not the bot."""
    url = serve_app({"rasa.url": closed_url})
    hostile = {
        "messages": [{"text": "Trả lời " + ATTACK + " https://example.org/x.\nDòng 2 lặp lại bảng",
                      "buttons": [{"title": "<b>Nút</b>", "payload": "/chon"}]}],
        "meta": {"kind": "compare", "message_id": "abc123",
                 "sources": [{"province": "<i>Tỉnh</i>", "document": "Văn bản", "section": ATTACK,
                              "plan": "tuyen-quang", "anchor": "s-i\"><img src=x>"},
                             {"province": "", "document": "Thông tư 14/2022/TT-BTTTT", "section": "Điều 5",
                              "url": "https://vanban.example.gov.vn/tt14"},
                             {"province": "", "document": "Văn bản lạ", "section": "", "url": "javascript:alert(3)"}],
                 "table": {"title": "Bảng", "columns": ["Tỉnh", "<u>Mục tiêu</u>"],
                           "rows": [["Tuyên Quang", ATTACK], ["Sóc Trăng", None]]}},
    }
    page = open_page(context, url + "/")
    page.route("**/api/chat", lambda route: route.fulfill(status=200, json=hostile))
    wait_for_widget(page)
    launcher(page).click()
    ask(page, "Câu hỏi")
    turn = bot_turns(page).first
    expect(turn.locator(".bubble.bot")).to_have_count(1)
    # With a table, only the text's first line is shown: its list would repeat the table.
    assert turn.locator(".bubble.bot").text_content() == "Trả lời " + ATTACK + " https://example.org/x."
    link = turn.locator(".bubble.bot a")
    assert link.get_attribute("href") == "https://example.org/x" and link.get_attribute("rel") == "noopener noreferrer"
    expect(turn.locator(".quick-replies .chip")).to_have_text("<b>Nút</b>")
    sources = turn.locator(".sources li")
    expect(sources).to_have_count(3)
    source = sources.nth(0).locator("a")
    # Whole labels (province, document and section; a legal text's name, topic and site).
    expect(source).to_have_text("<i>Tỉnh</i> – Văn bản – " + ATTACK)
    assert source.get_attribute("href") == url + "/plans/tuyen-quang#s-i%22%3E%3Cimg%20src%3Dx%3E"
    # A programme's legal text links to its web address; anything but http(s) is no link.
    expect(sources.nth(1).locator("a")).to_have_attribute("href", "https://vanban.example.gov.vn/tt14")
    expect(sources.nth(1)).to_have_text("Thông tư 14/2022/TT-BTTTT – Điều 5 (vanban.example.gov.vn)")
    expect(sources.nth(2).locator("a")).to_have_count(0)
    expect(sources.nth(2)).to_have_text("Văn bản lạ")
    expect(turn.locator("table caption")).to_have_text("Bảng")
    assert turn.locator("table th").all_text_contents() == ["Tỉnh", "<u>Mục tiêu</u>"]
    assert turn.locator("table td").all_text_contents() == ["Tuyên Quang", ATTACK, "Sóc Trăng", ""]
    assert turn.locator("b, i, u").count() == 0
    time.sleep(0.3)
    assert no_injected_elements(page) and page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "desktop-hostile-answer.png"))
    page.close()


# ---------------------------------------------------------------- the real conversation

@pytest.mark.e2e
def test_widget_conversation_with_the_stack(context, stack):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = open_page(context, stack.web_url + "/")
    wait_for_widget(page)
    launcher(page).click()

    # A first question without a province: the bot asks which one, with quick replies
    # (later in a conversation the province already named carries over).
    ask(page, "Mục tiêu tốc độ băng rộng di động năm 2025?")
    expect(bot_turns(page)).to_have_count(1, timeout=60_000)
    chip = bot_turns(page).first.locator(".quick-replies .chip").first
    title = chip.text_content()
    chip.click()
    expect(user_bubbles(page).last).to_have_text(title)
    expect(bot_turns(page)).to_have_count(2, timeout=60_000)

    # A question, its answer and its sources.
    ask(page, "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?")
    expect(bot_turns(page)).to_have_count(3, timeout=60_000)
    answer = bot_turns(page).nth(2)
    expect(answer.locator(".bubble.bot").first).not_to_be_empty()
    source = answer.locator(".sources a").first
    expect(source).to_contain_text("Tuyên Quang")
    page.screenshot(path=str(ARTIFACTS / "desktop-answer.png"))
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "desktop-answer.png", DOCS_SCREENSHOT)

    # The source link opens the plan page at the cited section.
    href = source.get_attribute("href")
    assert href.startswith(stack.web_url + "/plans/") and "#" in href
    anchor = href.split("#", 1)[1]
    with context.expect_page() as opened:
        source.click()
    plan_page = opened.value
    plan_page.wait_for_load_state()
    assert plan_page.url == href
    assert plan_page.locator(f"[id='{anchor}']").count() == 1
    assert plan_page.evaluate("() => document.querySelector(':target') && document.querySelector(':target').id") == anchor
    plan_page.close()

    # Thumbs up is stored.
    with page.expect_response("**/api/feedback") as feedback:
        answer.get_by_role("button", name="Hữu ích", exact=True).click()
    assert feedback.value.status == 200
    message_id = feedback.value.request.post_data_json["message_id"]
    expect(answer.get_by_role("button", name="Hữu ích", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(answer.locator(".feedback-status")).to_have_text("Cảm ơn bạn đã phản hồi.")
    database = getattr(stack, "database", None) or load_config().database
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT helpful FROM feedback WHERE message_id = ?", (message_id,)).fetchone() == (1,)

    # Hostile text is shown as text, whatever the bot answers to it.
    ask(page, ATTACK)
    expect(bot_turns(page)).to_have_count(4, timeout=60_000)
    assert user_bubbles(page).last.text_content() == ATTACK
    time.sleep(0.5)
    assert page.dialogs == [] and no_injected_elements(page)

    # Reload: the conversation (and the feedback given) is still there.
    users_before = user_bubbles(page).all_text_contents()
    page.reload()
    wait_for_widget(page)
    expect(panel(page)).to_be_visible()
    expect(bot_turns(page)).to_have_count(4)
    assert user_bubbles(page).all_text_contents() == users_before
    expect(bot_turns(page).nth(2).get_by_role("button", name="Hữu ích", exact=True)).to_have_attribute("aria-pressed", "true")
    sender_before = page.evaluate("JSON.parse(sessionStorage.getItem('hts-assistant:v1')).sender")

    # New conversation (asked first): back to the welcome message, with a new sender id.
    page.locator("hts-assistant").get_by_role("button", name="Cuộc trò chuyện mới").click()
    page.locator("hts-assistant").get_by_role("button", name="Bắt đầu cuộc mới").click()
    expect(bot_turns(page)).to_have_count(0)
    expect(user_bubbles(page)).to_have_count(0)
    expect(page.locator("hts-assistant .welcome")).to_be_visible()
    assert page.evaluate("JSON.parse(sessionStorage.getItem('hts-assistant:v1')).sender") != sender_before
    page.reload()
    wait_for_widget(page)
    expect(user_bubbles(page)).to_have_count(0)
    page.close()

    # The same on a phone, for the screenshot.
    phone = open_page(context, stack.web_url + "/", viewport=MOBILE)
    wait_for_widget(phone)
    launcher(phone).click()
    phone.locator("hts-assistant .welcome .chip").nth(2).click()
    expect(bot_turns(phone)).to_have_count(1, timeout=60_000)
    phone.screenshot(path=str(ARTIFACTS / "mobile-answer.png"))
    phone.close()


def test_a_long_answer_on_a_phone_is_shown_from_its_start(context, serve_app, closed_url):
    """390×844: a new answer is scrolled to its start and focused (screen readers read
    it); a comparison is a table only, with a column repeated on every row said once;
    feedback buttons are at least 44 px; a source label is whole, in a 44 px tap target."""
    url = serve_app({"rasa.url": closed_url})
    long_text = "Dòng đầu của câu trả lời.\n" + "\n".join(f"Dòng {i} của danh sách dài." for i in range(60))
    answer = {"messages": [{"text": long_text}],
              "meta": {"kind": "compare", "message_id": "m1",
                       "sources": [{"province": "", "document": "cspl.mic.gov.vn: Ban hành Thông tư quy định danh mục, "
                                    "chất lượng dịch vụ viễn thông công ích và hướng dẫn thực hiện Chương trình",
                                    "section": "Ai được hỗ trợ điện thoại",
                                    "url": "https://cspl.mic.gov.vn/Pages/TinTuc/138454/x.html"}],
                       "table": {"title": "So sánh", "columns": ["Tỉnh", "Năm", "Mục tiêu"],
                                 "rows": [[f"Tỉnh {i}", "2025", f"{i}0%"] for i in range(30)]}}}
    page = open_page(context, url + "/", viewport=MOBILE)
    page.route("**/api/chat", lambda route: route.fulfill(status=200, json=answer))
    wait_for_widget(page)
    launcher(page).click()
    ask(page, "So sánh các tỉnh")
    turn = bot_turns(page).first
    expect(turn).to_be_visible()
    page.wait_for_timeout(300)
    top = page.evaluate("""() => { const root = document.querySelector('hts-assistant').shadowRoot;
        const turns = root.querySelectorAll('.turn.bot:not(.welcome)'); const t = turns[turns.length - 1];
        const log = root.querySelector('.log');
        return { offset: t.getBoundingClientRect().top - log.getBoundingClientRect().top,
                 focused: root.activeElement === t }; }""")
    assert 0 <= top["offset"] <= 24 and top["focused"], top
    assert turn.locator(".bubble.bot").text_content() == "Dòng đầu của câu trả lời."
    assert turn.locator("table th").all_text_contents() == ["Tỉnh", "Mục tiêu"]
    expect(turn.locator("table caption")).to_have_text("So sánh · Năm: 2025")
    for thumb in (turn.locator(".thumb.up"), turn.locator(".thumb.down")):
        box = thumb.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    source = turn.locator(".sources li").first
    expect(source).to_have_text("cspl.mic.gov.vn: Ban hành Thông tư quy định danh mục, chất lượng dịch vụ viễn "
                                "thông công ích và hướng dẫn thực hiện Chương trình – Ai được hỗ trợ điện thoại")
    assert source.locator("a").bounding_box()["height"] >= 44
    page.screenshot(path=str(ARTIFACTS / "phone-long-answer.png"))
    page.close()
