"""The portal operator's loop in headless Chromium (issue 21).

Without the stack: the admin pages' login says a wrong token at once and names the
operator; the insights page shows groups, chart and a CSV download; axe-core finds no
serious or critical violation on the plan page and the insights page.

On the real stack (Rasa, action server with the model, web app): a citizen's question
is declined in the widget; the operator logs in by name, finds it on the insights page,
writes an answer with its source from that group, previews it (it catches the question)
and publishes it; the widget answers a reworded question with that answer and source —
no retraining, no restart; the time from the publish click to that answer is printed
(README). Undo on the page removes the answer again.
Screenshots: docs/operator-*.png.
"""
import hashlib
import time
from pathlib import Path

import pytest
import yaml

from tests.test_widget_people import run_axe, axe_installed  # noqa: F401
from tests.test_widget_browser import CHROMIUM, CHROMIUM_ARGS, ask, bot_turns, launcher, wait_for_widget

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TOKEN = "lan-operator-token-for-the-browser-test"
OPERATOR = "Nguyễn Thị Lan"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)"),
]

# The operator's answer, in own words from the provincial police's guidance (Công an
# tỉnh Đắk Lắk, based on Điều 14 Nghị định 59/2022/NĐ-CP): a question the assistant
# declines today (out of its scope) that a portal operator would want answered.
DECLINED = "Tài khoản định danh điện tử mức 2 đăng ký ở đâu?"
REWORDED = "muon lam dinh danh dien tu muc 2 thi den dau"
EXAMPLES = [DECLINED, "Làm sao để kích hoạt tài khoản định danh điện tử mức 2 trên VNeID?",
            "Đăng ký VNeID mức 2 cần mang giấy tờ gì?"]
ANSWER = ("Theo hướng dẫn của Công an tỉnh Đắk Lắk (căn cứ Điều 14 Nghị định 59/2022/NĐ-CP), công dân đã có "
          "thẻ căn cước gắn chip đến Công an xã, phường nơi cư trú hoặc nơi làm thủ tục cấp thẻ để đăng ký tài "
          "khoản định danh điện tử mức độ 2: xuất trình thẻ, cung cấp số điện thoại hoặc thư điện tử, được chụp "
          "ảnh chân dung và lấy vân tay.")
SOURCE = {"document": "Công an tỉnh Đắk Lắk: Đăng ký tài khoản định danh điện tử mức độ 2 tại Công an cấp xã",
          "number": "Nghị định 59/2022/NĐ-CP, Điều 14", "date": "",
          "url": "https://congan.daklak.gov.vn/savefile/lich-su-truyen-thong/ang-ky-tai-khoan-inh-danh-ien-tu-"
                 "muc-o-2-oi-voi-cong-dan-viet-nam-tai-cong-an-cap-xa-8827.html"}


def write_operators(path: Path) -> Path:
    path.write_text(yaml.safe_dump({"operators": [
        {"name": OPERATOR, "token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest()}]}, allow_unicode=True),
        encoding="utf-8")
    return path


@pytest.fixture
def browser_page():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())        # "Hoàn tác …?"
        yield page
        browser.close()


def log_in(page, url: str):
    page.goto(url)
    page.fill("#token", "not-the-token")
    page.click("#login button")
    expect(page.locator("#login-error")).to_have_text("Mã quản trị không đúng. Vui lòng kiểm tra và nhập lại.")
    expect(page.locator("#admin")).to_be_hidden()
    page.fill("#token", TOKEN)
    page.click("#login button")
    expect(page.locator("#who")).to_have_text(f"Đang đăng nhập: {OPERATOR}")
    expect(page.locator("#login-error")).to_have_text("")


# ---------------------------------------------------------------- the web app alone

@pytest.fixture
def admin_app(tmp_path, monkeypatch, closed_url):
    import threading
    from werkzeug.serving import make_server
    from bot.app import create_app
    monkeypatch.setenv("HTS_INDEX_HISTORY_DIR", str(tmp_path / "history"))
    app = create_app({"web.operators_file": str(write_operators(tmp_path / "operators.yml")),
                      "web.database": str(tmp_path / "a.sqlite3"), "actions.url": closed_url})
    store = app.extensions["hts.store"]
    for number, (kind, question) in enumerate([("out_of_scope", DECLINED), ("out_of_scope", DECLINED),
                                               ("fallback", "Giờ làm việc của bộ phận một cửa?"),
                                               ("target", "Tốc độ 4G Hậu Giang"), ("clarify", "tốc độ mạng")]):
        store.record_answer(f"m{number}", kind, question)
    store.save_feedback("m3", False, "Số liệu cũ rồi")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_admin_pages_login_at_once_insights_csv_and_axe(admin_app, browser_page, axe_installed):
    page = browser_page
    log_in(page, admin_app + "/admin/questions")
    expect(page.locator("#groups tbody tr")).to_have_count(4)
    first = page.locator("#groups tbody tr").first
    expect(first).to_contain_text(DECLINED)
    expect(first.locator("td").nth(1)).to_have_text("2")
    expect(page.locator("#groups")).to_contain_text("Số liệu cũ rồi")
    expect(page.locator("#groups")).to_contain_text("1 hỏi lại chưa xong")
    expect(page.locator("#grouped-by")).to_contain_text("Gộp theo cách viết")       # no action server here
    expect(page.locator("#chart svg rect")).to_have_count(30 * 3)
    with page.expect_download() as download:
        page.click("#csv")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and DECLINED.encode() in raw
    # A bad answer: the server's Vietnamese message on the page, nothing published.
    first.get_by_role("button").click()
    expect(page.locator("#a-examples")).to_have_value(DECLINED)
    page.fill("#a-answer", ANSWER)
    page.click("#publish")
    expect(page.locator("#notice")).to_contain_text("Thiếu nguồn")
    expect(page.locator("#answers tbody")).to_contain_text("Chưa có câu trả lời nào")
    assert run_axe(page) == []
    page.goto(admin_app + "/admin/plans")             # same login (this tab's sessionStorage)
    expect(page.locator("#who")).to_have_text(f"Đang đăng nhập: {OPERATOR}")
    assert run_axe(page) == []
    page.locator("#logout").click()
    expect(page.locator("#login")).to_be_visible()
    assert run_axe(page) == []


# ---------------------------------------------------------------- the real stack

@pytest.fixture
def stack_with_operators(stack, tmp_path):
    """The stack's action server and web app restarted with an operators file, an empty
    answer history and an empty questions database (tmp); Rasa keeps running."""
    services = [stack.service("actions"), stack.service("web")]
    if any(service.process is None for service in services):
        pytest.skip("the stack was started outside the tests; its services cannot be restarted here")
    env = {"HTS_INDEX_HISTORY_DIR": str(tmp_path / "history"), "HTS_WEB_DATABASE": str(tmp_path / "a.sqlite3"),
           "HTS_WEB_OPERATORS_FILE": str(write_operators(tmp_path / "operators.yml"))}
    # Only the services get these (not os.environ: the restore below must not inherit them).
    originals = [dict(service.env) for service in services]

    def restart(envs):
        for service, service_env in zip(services, envs):
            service.stop()
            service.env = service_env
            service.start()
        for service in services:
            service.wait_ready()

    restart([{**original, **env} for original in originals])
    yield stack
    restart(originals)


@pytest.mark.e2e
def test_operator_answers_a_declined_question_and_the_widget_gives_it(stack_with_operators, browser_page):
    web_url = stack_with_operators.web_url
    page = browser_page
    chat = page.context.new_page()
    chat.goto(web_url + "/")
    wait_for_widget(chat)
    launcher(chat).click()
    with chat.expect_response("**/api/chat") as declined:
        ask(chat, DECLINED)
    kind = declined.value.json()["meta"]["kind"]
    assert kind in ("fallback", "out_of_scope", "no_plan"), kind
    expect(bot_turns(chat)).to_have_count(1, timeout=60_000)

    # The operator finds it, grouped by meaning, and writes the answer from that group.
    log_in(page, web_url + "/admin/questions")
    expect(page.locator("#grouped-by")).to_contain_text("Gộp theo ý nghĩa")
    group = page.locator("#groups tbody tr", has_text=DECLINED)
    expect(group).to_have_count(1)
    page.screenshot(path=str(DOCS / "operator-insights.png"), full_page=True)
    group.get_by_role("button").click()
    expect(page.locator("#a-examples")).to_have_value(DECLINED)
    page.fill("#a-answer", ANSWER)
    page.fill("#a-examples", "\n".join(EXAMPLES))
    page.fill("#a-document", SOURCE["document"])
    page.fill("#a-number", SOURCE["number"])
    page.fill("#a-date", SOURCE["date"])
    page.fill("#a-url", SOURCE["url"])
    started = time.perf_counter()
    page.click("#preview")
    expect(page.locator("#catches-line")).to_contain_text("Sẽ trả lời 1 câu", timeout=60_000)
    previewed_in = time.perf_counter() - started
    expect(page.locator("#catches")).to_contain_text(DECLINED)
    page.locator("#editor").screenshot(path=str(DOCS / "operator-editor-preview.png"))

    page.click("#publish")
    started = time.perf_counter()
    expect(page.locator("#notice")).to_contain_text("Đã công bố câu trả lời op-")
    published_in = time.perf_counter() - started
    answer_id = page.locator("#answers tbody tr").first.get_attribute("data-answer")
    expect(page.locator("#answer-changes tbody tr").first).to_contain_text(OPERATOR)

    # The next citizen, in other words (no diacritics), gets it with its source.
    ask(chat, REWORDED)
    expect(bot_turns(chat)).to_have_count(2, timeout=60_000)
    answered_in = time.perf_counter() - started
    turn = bot_turns(chat).nth(1)
    expect(turn.locator(".bubble.bot").first).to_contain_text("đến Công an xã, phường nơi cư trú")
    source = turn.locator(".sources a").first
    expect(source).to_contain_text("Công an tỉnh Đắk Lắk")
    expect(source).to_contain_text("Nghị định 59/2022/NĐ-CP, Điều 14")
    assert source.get_attribute("href") == SOURCE["url"]
    chat.screenshot(path=str(DOCS / "operator-widget-answer.png"))
    print(f"\npreview: {previewed_in:.2f} s; publish → stored: {published_in:.2f} s; "
          f"publish → first answer shown in the widget: {answered_in:.2f} s")

    # Undo on the page: the answer is gone for the next question.
    page.locator("#answer-changes tbody tr").first.get_by_role("button").click()
    expect(page.locator("#notice")).to_contain_text("Đã hoàn tác")
    expect(page.locator(f'#answers tr[data-answer="{answer_id}"]')).to_have_count(0)
    expect(page.locator("#answer-changes tbody tr")).to_have_count(2)
    page.locator("#answer-changes").screenshot(path=str(DOCS / "operator-changes.png"))
    ask(chat, REWORDED)
    expect(bot_turns(chat)).to_have_count(3, timeout=60_000)
    expect(bot_turns(chat).nth(2).locator(".bubble.bot").first).not_to_contain_text("Công an xã")
    chat.close()
