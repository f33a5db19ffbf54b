"""The plan admin page in headless Chromium (Debian's /usr/bin/chromium), as an operator
uses it: log in with the admin token, upload a plan, check the preview, correct the
period, publish, remove, undo the removal. The web app runs here on copies of the plans
and the index (tmp dirs); every publish runs the real index build.

The second test does the same on the real stack and asks the widget about the plan just
published (the issue's scenario).
Screenshots: docs/admin-preview.png, docs/admin-published.png, docs/admin-changes.png,
docs/admin-widget-answer.png (referenced from the README).
"""
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.app import create_app
from index.plans.catalog import load_catalog
from index.retrieval.store import read_manifest

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "admin" / "lam-dong-2026.txt"
DOCS = ROOT / "docs"
TOKEN = "browser-admin-token"
PUBLISH_TIMEOUT = 180_000          # ms: the index build runs in a child process

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture
def admin_url(tmp_path, published_copy):
    app = create_app({"web.admin_token": TOKEN, "web.database": str(tmp_path / "assistant.sqlite3")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/admin/plans"
    server.shutdown()


@pytest.fixture
def page(tmp_path):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())     # "Gỡ bỏ …?", "Hoàn tác …?"
        yield page
        browser.close()


def test_operator_uploads_checks_publishes_removes_and_undoes(admin_url, page):
    page.goto(admin_url)
    expect(page.locator("h1")).to_have_text("Quản trị kế hoạch")
    page.fill("#token", "wrong")
    page.click("#login button")
    expect(page.locator("#token")).to_be_visible()             # 401: back to the login form
    page.fill("#token", TOKEN)
    page.click("#login button")
    expect(page.locator("#plans tbody tr")).to_have_count(len(load_catalog()))
    expect(page.locator("#changes tbody")).to_contain_text("Chưa có thay đổi nào.")

    # 1-2. upload and preview
    page.set_input_files("#file", str(PLAN))
    page.click("#upload button")
    expect(page.locator("#review")).to_be_visible()
    expect(page.locator("#facts tbody tr")).to_have_count(6)
    expect(page.locator("#duties li")).to_have_count(2)
    expect(page.locator("#document-line")).to_contain_text("11 mục, 6 đoạn, 6 chỉ tiêu, 2 cơ quan")
    expect(page.locator("#standing-line")).to_contain_text("Đã ban hành")
    expect(page.locator("#f-number")).to_have_value("12/KH-UBND")
    expect(page.locator("#f-signer")).to_have_value("Trần Văn Bình")
    expect(page.locator("#target-note")).to_contain_text("thêm kế hoạch mới có mã lam-dong-2026")

    # 3. correct the period; the preview follows
    page.fill("#f-period", "2026 - 2027")
    page.click("#refresh")
    expect(page.locator("#f-plan_id")).to_have_value("lam-dong-2026-2027")
    page.locator("#review").screenshot(path=str(DOCS / "admin-preview.png"))

    # 4. publish
    page.click("#publish")
    expect(page.locator("#notice")).to_have_text("Đã công bố kế hoạch lam-dong-2026-2027.", timeout=PUBLISH_TIMEOUT)
    row = page.locator('#plans tr[data-plan="lam-dong-2026-2027"]')
    expect(row).to_contain_text("2026 - 2027")
    expect(row).to_contain_text("Hiện hành")
    expect(page.locator("#changes tbody tr")).to_have_count(1)
    expect(page.locator("#changes tbody tr").first).to_contain_text("Công bố mới")
    assert read_manifest()["plans"]["lam-dong-2026-2027"]["chunks"] == 6
    page.screenshot(path=str(DOCS / "admin-published.png"), full_page=True)

    # remove, then undo the removal
    row.locator("button").click()
    expect(page.locator("#notice")).to_have_text("Đã gỡ bỏ kế hoạch lam-dong-2026-2027.", timeout=PUBLISH_TIMEOUT)
    expect(row).to_have_count(0)
    assert "lam-dong-2026-2027" not in read_manifest()["plans"]
    page.locator("#changes tbody tr").first.locator("button").click()
    expect(page.locator("#notice")).to_contain_text("Đã hoàn tác", timeout=PUBLISH_TIMEOUT)
    expect(row).to_have_count(1)
    expect(page.locator("#changes tbody tr")).to_have_count(3)
    assert read_manifest()["plans"]["lam-dong-2026-2027"]["chunks"] == 6
    page.locator("#changes").screenshot(path=str(DOCS / "admin-changes.png"))


# ---------------------------------------------------------------- with the real assistant

@pytest.fixture
def stack_on_copies(stack, published_copy, monkeypatch):
    """The stack's action server and web app restarted on copies of the plans and the
    index, with an admin token; Rasa keeps running. Restored afterwards."""
    services = [stack.service("actions"), stack.service("web")]
    if any(service.process is None for service in services):
        pytest.skip("the stack was started outside the tests; its services cannot be restarted here")
    plans, index, history = published_copy
    env = {"HTS_INDEX_PLANS_DIR": str(plans), "HTS_INDEX_BUILD_DIR": str(index),
           "HTS_INDEX_HISTORY_DIR": str(history), "HTS_WEB_ADMIN_TOKEN": TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
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
def test_plan_published_on_the_page_is_answered_in_the_widget_then_removed(stack_on_copies, page):
    """The issue's scenario: a made-up plan for a province the data lacks is uploaded and
    published on the admin page; the widget then answers its target with a source link to
    the right section; removed on the admin page, the widget says "no plan" again."""
    from tests.test_widget_browser import ask, bot_turns, launcher, wait_for_widget

    web_url = stack_on_copies.web_url
    question = "Mục tiêu tốc độ băng rộng di động của Lâm Đồng năm 2027?"
    page.goto(web_url + "/admin/plans")
    page.fill("#token", TOKEN)
    page.click("#login button")
    page.set_input_files("#file", str(PLAN))
    page.click("#upload button")
    page.fill("#f-period", "2026 - 2027")
    page.click("#refresh")
    expect(page.locator("#f-plan_id")).to_have_value("lam-dong-2026-2027")
    page.click("#publish")
    expect(page.locator("#notice")).to_have_text("Đã công bố kế hoạch lam-dong-2026-2027.", timeout=PUBLISH_TIMEOUT)

    chat = page.context.new_page()
    chat.goto(web_url + "/")
    wait_for_widget(chat)
    launcher(chat).click()
    ask(chat, question)
    expect(bot_turns(chat)).to_have_count(1, timeout=60_000)
    answer = bot_turns(chat).first
    expect(answer.locator(".bubble.bot").first).to_contain_text("80 Mbps")
    source = answer.locator(".sources a").first
    expect(source).to_contain_text("Lâm Đồng")
    href = source.get_attribute("href")
    assert href.startswith(web_url + "/plans/lam-dong-2026-2027#"), href
    anchor = href.split("#", 1)[1]
    cited = page.context.new_page()
    cited.goto(href)
    expect(cited.locator(f"[id='{anchor}']")).to_contain_text("Di động")
    cited.close()
    chat.screenshot(path=str(DOCS / "admin-widget-answer.png"))

    page.locator('#plans tr[data-plan="lam-dong-2026-2027"] button').click()
    expect(page.locator("#notice")).to_have_text("Đã gỡ bỏ kế hoạch lam-dong-2026-2027.", timeout=PUBLISH_TIMEOUT)
    ask(chat, question)
    expect(bot_turns(chat)).to_have_count(2, timeout=60_000)
    expect(bot_turns(chat).nth(1).locator(".bubble.bot").first).to_contain_text("chưa có kế hoạch")
    chat.close()


def test_preview_of_a_plan_of_another_shape_says_line_by_line_what_was_read(admin_url, page):
    """Issue 20: a 5G/IoT plan copied from a legal site (tests/plans_shapes): the header
    (issuer, kind), the values and the bodies the vocabulary lacks, and each line's
    reading in Vietnamese. Screenshot: docs/admin-preview-other-shape.png."""
    page.goto(admin_url)
    page.fill("#token", TOKEN)
    page.click("#login button")
    page.set_input_files("#file", str(ROOT / "tests" / "plans_shapes" / "khanh-hoa-5g-iot-khu-kinh-te-2030.txt"))
    page.click("#upload button")
    expect(page.locator("#review")).to_be_visible()
    expect(page.locator("#header-line")).to_contain_text("UBND tỉnh Khánh Hòa")
    expect(page.locator("#header-line")).to_contain_text("5G/IoT")
    expect(page.locator("#facts tbody tr")).to_have_count(8)
    expect(page.locator("#duties li")).to_have_count(5)
    expect(page.locator("#f-signer")).to_have_value("Nguyễn Thanh Hà")
    expect(page.locator("#standing-line")).to_contain_text("Đã ban hành")
    read = page.locator("#lines tbody tr.line-read")
    expect(read.first).to_be_visible()
    expect(page.locator("#lines tbody")).to_contain_text("tối thiểu 300 Mbps")
    expect(page.locator("#lines tbody")).to_contain_text("Nhiệm vụ của Ban Quản lý Khu kinh tế Vân Phong")
    shot = DOCS / "admin-preview-other-shape.png"
    page.locator("#review section").first.screenshot(path=str(shot))
    from PIL import Image            # a long page: 64 colours keep it legible and small
    Image.open(shot).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(shot, optimize=True)
