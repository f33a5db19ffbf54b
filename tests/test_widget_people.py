"""The widget for people, in headless Chromium, measured (issue 21): the browser's text
size applies, 200 % zoom on 1366×768 keeps at least half the window for the
conversation, every tap target is at least 44×44 px with 8 px between, source labels
are whole and unique, timestamps, "Sao chép", "Tải cuộc trò chuyện", the wide panel,
"Cuộc trò chuyện mới" asks first, the last message is in view after a reload, no thumbs
under greetings and thanks, and axe-core finds no serious or critical violation.

The chat API's answers are stubbed in the browser (page.route) so that each layout case
is exact; the real stack's answers are in tests/test_operator_browser.py and
tests/test_widget_browser.py.
"""
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.test_widget_browser import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ask, bot_turns, launcher,  # noqa: F401
                                       panel, serve_app, user_bubbles, wait_for_widget)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
ZOOM_200 = {"width": 683, "height": 384}         # 1366×768 at 200 %: the CSS viewport halves

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)"),
]

PLAN_SOURCES = [
    {"province": "Tuyên Quang", "document": "Kế hoạch số 136/KH-UBND", "plan": "tuyen-quang", "anchor": "s-ii-2",
     "section": "mục II.2 (Phát triển hạ tầng băng rộng cố định và di động trên địa bàn tỉnh)", "page": 5},
    {"province": "Tuyên Quang", "document": "Kế hoạch số 136/KH-UBND", "plan": "tuyen-quang", "anchor": "s-ii-3",
     "section": "mục II.3 (Phát triển hạ tầng băng rộng cố định và di động tại vùng khó khăn)", "page": 6},
    {"province": "", "document": "Thông tư 14/2022/TT-BTTTT", "section": "Điều 5",
     "url": "https://vanban.example.gov.vn/tt14"},
]
ANSWERS = {
    "chao": {"messages": [{"text": "Xin chào! Tôi có thể giúp gì cho bạn?",
                           "buttons": [{"title": "Hỗ trợ điện thoại", "payload": "hỗ trợ điện thoại"},
                                       {"title": "Tắt sóng 2G", "payload": "tắt sóng 2G"}]}],
             "meta": {"kind": "chitchat", "message_id": "greet1", "sources": []}},
    "cam on": {"messages": [{"text": "Rất vui được giúp bạn."}],
               "meta": {"kind": "chitchat", "message_id": "thanks1", "sources": []}},
}
DEFAULT_ANSWER = {"messages": [{"text": "Mục tiêu đến năm 2025: 100% thôn có sóng di động băng rộng.\nNguồn bên dưới.",
                                "buttons": [{"title": "Cáp quang", "payload": "cáp quang"},
                                            {"title": "Sóng 4G", "payload": "sóng 4G"}]}],
                  "meta": {"kind": "target", "sources": PLAN_SOURCES}}


@pytest.fixture(scope="module")
def context():
    profile = tempfile.mkdtemp(prefix="hts-chromium-")
    with playwright_api.sync_playwright() as playwright:
        browser_context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=LAPTOP, locale="vi-VN",
            accept_downloads=True)
        browser_context.set_default_timeout(15_000)
        yield browser_context
        browser_context.close()
    shutil.rmtree(profile, ignore_errors=True)


def stub_chat(page):
    """Answer /api/chat in the browser: ANSWERS by message, else DEFAULT_ANSWER with a
    fresh message id."""
    counter = {"n": 0}

    def answer(route):
        message = json.loads(route.request.post_data)["message"]
        counter["n"] += 1
        body = ANSWERS.get(message) or {**DEFAULT_ANSWER, "meta": {**DEFAULT_ANSWER["meta"], "message_id": f"m{counter['n']}"}}
        route.fulfill(status=200, json=body)
    page.route("**/api/chat", answer)


def open_widget(context, url, viewport=LAPTOP):
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    stub_chat(page)
    page.goto(url + "/")
    wait_for_widget(page)
    return page


def in_widget(page, script: str):
    return page.evaluate("(root) => {" + script + "}", page.evaluate_handle(
        "() => document.querySelector('hts-assistant').shadowRoot"))


TARGETS = """
    // What can be tapped now: shown, and inside the log's visible part when in the log.
    const box = root.querySelector('.log').getBoundingClientRect();
    const visible = (n) => { const r = n.getBoundingClientRect(); const s = getComputedStyle(n);
        const inLog = n.closest('.log');
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' &&
            (!inLog || (r.top >= box.top && r.bottom <= box.bottom)); };
    return Array.from(root.querySelectorAll('button, .sources a, .sources span.source, textarea'))
        .filter(visible).map((n) => { const r = n.getBoundingClientRect();
            return { name: (n.getAttribute('aria-label') || n.textContent || n.className).trim().slice(0, 40),
                     tag: n.tagName, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                     width: r.width, height: r.height }; });
"""


def gaps_below(targets, minimum=8):
    """Pairs of tap targets closer than `minimum` px (edge to edge; overlapping = 0)."""
    close = []
    for i, a in enumerate(targets):
        for b in targets[i + 1:]:
            dx = max(0, b["left"] - a["right"], a["left"] - b["right"])
            dy = max(0, b["top"] - a["bottom"], a["top"] - b["bottom"])
            if max(dx, dy) < minimum - 0.5:
                close.append((a["name"], b["name"], round(max(dx, dy), 1)))
    return close


def log_share(page) -> float:
    return in_widget(page, "return root.querySelector('.log').getBoundingClientRect().height / window.innerHeight;")


def test_zoom_tap_targets_and_text_size(context, serve_app, closed_url):
    url = serve_app({"rasa.url": closed_url})
    page = open_widget(context, url)
    launcher(page).click()
    ask(page, "mục tiêu phủ sóng Tuyên Quang")
    expect(bot_turns(page)).to_have_count(1)

    # Every tap target at least 44×44 px, at least 8 px from every other one.
    targets = in_widget(page, TARGETS)
    assert len(targets) >= 12, targets
    small = [(t["name"], t["width"], t["height"]) for t in targets
             if t["tag"] != "TEXTAREA" and (t["width"] < 44 or t["height"] < 44)]
    assert small == [], small
    assert gaps_below(targets) == []
    page.screenshot(path=str(ROOT / "docs" / "widget-answer-actions.png"))

    # 200 % zoom on 1366×768: at least half the window for the conversation.
    at_100 = log_share(page)
    page.set_viewport_size(ZOOM_200)
    page.wait_for_timeout(200)
    print(f"\nconversation's share of the window: {at_100:.2f} at 100 %, {log_share(page):.2f} at 200 % "
          f"({len(targets)} tap targets, smallest {min(t['height'] for t in targets if t['tag'] == 'BUTTON'):.0f} px high)")
    assert log_share(page) >= 0.5, log_share(page)
    targets = in_widget(page, TARGETS)
    assert gaps_below(targets) == [] and all(t["height"] >= 44 for t in targets if t["tag"] == "BUTTON")
    page.screenshot(path=str(ROOT / "docs" / "widget-zoom-200.png"))
    page.set_viewport_size(LAPTOP)

    # The browser's text size applies (the reader's setting, not the page's root size):
    # with 24 px instead of 16 px everything written grows by half.
    size = lambda: in_widget(page, "return parseFloat(getComputedStyle(root.querySelector('.bubble.bot')).fontSize);")  # noqa: E731
    before = size()
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    page.reload()                   # the conversation comes back from sessionStorage
    expect(bot_turns(page)).to_have_count(1)
    assert size() == pytest.approx(before * 1.5, rel=0.02), (before, size())
    assert panel(page).bounding_box()["width"] == pytest.approx(26 * 24, abs=2)      # 26em
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16}})
    page.reload()
    expect(bot_turns(page)).to_have_count(1)
    # A portal that shrinks its root font (html { font-size: 62.5% }) does not shrink the widget.
    page.evaluate("() => { document.documentElement.style.fontSize = '62.5%'; }")
    assert size() == pytest.approx(before)
    page.close()


def test_labels_timestamps_copy_download_expand_confirm_and_reload(context, serve_app, closed_url):
    url = serve_app({"rasa.url": closed_url})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = open_widget(context, url)
    launcher(page).click()

    # No thumbs under a greeting or thanks; thumbs under an answer.
    ask(page, "chao")
    expect(bot_turns(page)).to_have_count(1)
    ask(page, "mục tiêu phủ sóng Tuyên Quang")
    expect(bot_turns(page)).to_have_count(2)
    ask(page, "cam on")
    expect(bot_turns(page)).to_have_count(3)
    thumbs = [bot_turns(page).nth(i).locator(".thumb").count() for i in range(3)]
    assert thumbs == [0, 2, 0], thumbs

    answer = bot_turns(page).nth(1)
    # Whole, unique, readable source labels: document and section, page where known.
    labels = answer.locator(".sources li").all_text_contents()
    assert labels == [
        "Tuyên Quang – Kế hoạch số 136/KH-UBND – mục II.2 (Phát triển hạ tầng băng rộng cố định và di động "
        "trên địa bàn tỉnh), trang 5",
        "Tuyên Quang – Kế hoạch số 136/KH-UBND – mục II.3 (Phát triển hạ tầng băng rộng cố định và di động "
        "tại vùng khó khăn), trang 6",
        "Thông tư 14/2022/TT-BTTTT – Điều 5 (vanban.example.gov.vn)"], labels
    assert len(set(labels)) == len(labels)
    cut = in_widget(page, "return Array.from(root.querySelectorAll('.sources a')).filter((a) => a.scrollWidth > a.clientWidth + 1).length;")
    assert cut == 0

    # Timestamps on every turn.
    stamps = page.locator("hts-assistant .turn:not(.welcome) time.stamp")
    expect(stamps).to_have_count(6)
    assert all(re.fullmatch(r"\d\d:\d\d", text) for text in stamps.all_text_contents())

    # "Sao chép": the answer with its sources, as text.
    answer.get_by_role("button", name="Sao chép câu trả lời").click()
    expect(answer.locator(".copy-status")).to_have_text("Đã sao chép.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Mục tiêu đến năm 2025: 100% thôn có sóng di động băng rộng.")
    assert "mục II.3" in copied and url + "/plans/tuyen-quang#s-ii-3" in copied

    # "Tải cuộc trò chuyện": a UTF-8 text file of the whole conversation.
    with page.expect_download() as download:
        page.locator("hts-assistant").get_by_role("button", name="Tải cuộc trò chuyện (tệp văn bản)").click()
    saved = Path(download.value.path()).read_bytes()
    assert saved.startswith(b"\xef\xbb\xbf")
    text = saved.decode("utf-8-sig")
    assert text.count("Bạn (") == 3 and text.count("Trợ lý (") == 3
    assert "mục tiêu phủ sóng Tuyên Quang" in text and "Thông tư 14/2022/TT-BTTTT" in text
    assert download.value.suggested_filename.startswith("cuoc-tro-chuyen-")

    # The wide panel on a desktop, kept after a reload.
    narrow = panel(page).bounding_box()["width"]
    expand = page.locator("hts-assistant").get_by_role("button", name="Mở rộng khung trò chuyện")
    expand.click()
    expect(expand).to_have_attribute("aria-pressed", "true")
    assert panel(page).bounding_box()["width"] >= 2 * narrow, (narrow, panel(page).bounding_box())
    page.screenshot(path=str(ROOT / "docs" / "widget-wide.png"))

    # More turns than fit, then a reload: the last message is in view.
    for i in range(4):
        ask(page, f"câu hỏi thêm {i}")
        expect(bot_turns(page)).to_have_count(4 + i)
    page.reload()
    wait_for_widget(page)
    expect(panel(page)).to_be_visible()
    expect(bot_turns(page)).to_have_count(7)
    page.wait_for_timeout(300)
    assert panel(page).bounding_box()["width"] >= 2 * narrow
    view = in_widget(page, """const log = root.querySelector('.log'); const turns = root.querySelectorAll('.turn');
        const last = turns[turns.length - 1].getBoundingClientRect(); const box = log.getBoundingClientRect();
        return { scrolled: log.scrollHeight > log.clientHeight, top: last.top - box.top, bottom: box.bottom - last.bottom,
                 rest: log.scrollHeight - log.scrollTop - log.clientHeight };""")
    assert view["scrolled"] and view["rest"] <= 2 and view["bottom"] >= -2, view

    # "Cuộc trò chuyện mới" asks first, in the panel (no browser dialog).
    widget = page.locator("hts-assistant")
    widget.get_by_role("button", name="Cuộc trò chuyện mới").click()
    expect(widget.locator(".confirm")).to_be_visible()
    expect(widget.locator(".confirm")).to_contain_text("Xóa cuộc trò chuyện hiện tại")
    widget.get_by_role("button", name="Giữ lại").click()
    expect(bot_turns(page)).to_have_count(7)
    widget.get_by_role("button", name="Cuộc trò chuyện mới").click()
    widget.get_by_role("button", name="Bắt đầu cuộc mới").click()
    expect(bot_turns(page)).to_have_count(0)
    expect(user_bubbles(page)).to_have_count(0)
    assert page.dialogs == []
    page.close()


def run_axe(page, selector: str | None = None) -> list[dict]:
    """axe-core (tests/browser/node_modules, from npm) in the page, handed over from the
    page's own origin (its Content-Security-Policy allows only 'self' scripts); the
    serious and critical violations, with the nodes they were found on."""
    assert AXE.is_file(), "axe-core is missing: run stack/setup/ensure_axe.sh (make browser)"
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.route(origin + "/__axe/axe.min.js", lambda route: route.fulfill(
        status=200, body=AXE.read_text(encoding="utf-8"), content_type="application/javascript"))
    page.add_script_tag(url=origin + "/__axe/axe.min.js")
    result = page.evaluate("""async (selector) => {
        const found = await axe.run(selector ? { include: [[selector]] } : document,
                                    { resultTypes: ['violations'] });
        return found.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
    }""", selector)
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="session")
def axe_installed():
    if not AXE.is_file():
        import subprocess
        subprocess.run([str(ROOT / "stack" / "setup" / "ensure_axe.sh")], check=True)


def test_axe_finds_no_serious_violation_in_the_widget(context, serve_app, closed_url, axe_installed):
    url = serve_app({"rasa.url": closed_url})
    for viewport in (LAPTOP, ZOOM_200, {"width": 390, "height": 844}):
        page = open_widget(context, url, viewport)
        launcher(page).click()
        ask(page, "mục tiêu phủ sóng Tuyên Quang")
        expect(bot_turns(page)).to_have_count(1)
        violations = run_axe(page)
        assert violations == [], (viewport, violations)
        page.close()
