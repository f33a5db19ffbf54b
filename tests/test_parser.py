"""The plan parser against hand-checked gold, a made-up sixth plan and broken files."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from index.plans.catalog import PlanInfo, load_catalog
from index.plans.document_facts import extract_document_facts
from index.plans.duties import extract_duties
from index.plans.knowledge import load_knowledge
from index.plans.sections import PlanParseError, decode_plan, load_plans, parse_plan
from index.plans.values import extract_values

GOLD = Path(__file__).parent / "gold"


def _gold(name: str) -> dict:
    return yaml.safe_load((GOLD / name).read_text(encoding="utf-8"))


def _value_row(record) -> tuple:
    return (record.plan, record.kind, record.year, record.indicator, record.value,
            record.denominator, record.unit, record.qualifier, record.line)


def test_every_target_and_status_value_matches_the_gold():
    expected = [tuple(row) for row in _gold("plan_values.yml")["values"]]
    found = [_value_row(record) for record in load_knowledge().values]
    missing = [row for row in expected if row not in found]
    extra = [row for row in found if row not in expected]
    assert not missing and not extra, f"missing {missing}\nextra {extra}"
    assert len(expected) >= 90


def test_values_keep_their_exact_source_line():
    plans_dir = PROJECT_ROOT / "data" / "plans"
    for record in load_knowledge().values:
        source = (plans_dir / f"{record.plan}.txt").read_text(encoding="utf-8").splitlines()
        # The cleaned text starts on the cited line (markdown and bullets aside).
        first_words = record.text.split()[0].strip("*")
        assert first_words in source[record.line - 1], (record.plan, record.line, record.text)


def test_agencies_of_every_plan_match_the_gold():
    expected = _gold("plan_agencies.yml")["agencies"]
    found: dict[str, list] = {}
    for record in load_knowledge().duties:
        found.setdefault(record.plan, []).append([record.agency, record.agency_label, len(record.duties)])
    assert found == expected


def _duties(plan: str, agency: str):
    return next(r for r in load_knowledge().duties if r.plan == plan and r.agency == agency)


def test_deadlines_are_found_in_duties():
    bp = _duties("binh-phuoc", "dept_information_communications")
    deadlines = [d for duty in bp.duties for d in duty.deadlines]
    assert "trước ngày 30/12 hằng năm" in deadlines
    assert any(d.startswith("chậm nhất 40 ngày, sau khi Quyết định phê duyệt Chiến lược hạ tầng số")
               for d in deadlines)
    tq = _duties("tuyen-quang", "telecom_enterprises")
    assert tq.duties[0].deadlines == ["trước 20 tháng 12 hàng năm"]


def test_sub_items_stay_with_the_duty_that_introduces_them():
    tg = _duties("tien-giang", "dept_information_communications")
    introducing = [duty for duty in tg.duties if duty.text.endswith(":")]
    assert len(introducing) == 1 and len(introducing[0].items) == 4


def test_page_break_cuts_are_joined():
    plans, _ = load_plans()
    soc_trang = next(plan for plan in plans if plan.id == "soc-trang")
    texts = [line.text for section in soc_trang.root.walk() for line in section.lines]
    assert any("hạ tầng công trình ngầm, các hạ tầng kỹ thuật khác" in text for text in texts)
    headings = [s.title for s in soc_trang.sections()]
    assert any(h.endswith("doanh nghiệp cung cấp hạ tầng công nghệ số, doanh nghiệp chủ quản nền tảng số")
               for h in headings)


def test_closing_formula_is_not_a_duty():
    for record in load_knowledge().duties:
        for duty in record.duties:
            assert not duty.text.startswith(("Trên đây là", "UBND tỉnh yêu cầu")), duty.text


def test_document_facts():
    facts = load_knowledge().document_facts
    references = {f.plan: [] for f in facts}
    for fact in facts:
        references[fact.plan] += fact.references
    assert "Nghị quyết số 02-NQ/TU" in references["hau-giang"]
    assert "Tờ trình số 97/TTr-STTTT" in references["binh-phuoc"]
    assert "Quyết định số 1132/QĐ-TTg" in references["tuyen-quang"]
    reporting = [f for f in facts if f.kind == "reporting" and f.plan == "tien-giang"]
    assert any("trước ngày 01/12 hàng năm" in f.deadlines for f in reporting)
    assert any(f.kind == "transitional" and f.plan == "tuyen-quang" for f in facts)
    assert {f.plan for f in facts if f.kind == "funding"} == {p.id for p in load_catalog()}


def test_catalogue_leaves_blank_fields_blank():
    by_id = {info.id: info for info in load_catalog()}
    assert by_id["tien-giang"].number == "540/KH-UBND"
    assert by_id["tien-giang"].date == "2023-12-26"
    assert by_id["hau-giang"].number == "" and by_id["hau-giang"].signer == ""
    assert by_id["soc-trang"].status == "draft"
    assert by_id["tuyen-quang"].signer == "Hoàng Việt Phương"


def test_plan_files_are_the_originals():
    shared = PROJECT_ROOT.parent / "shared" / "plans"
    if not shared.is_dir():
        pytest.skip("../shared/plans is not beside the project")
    for info in load_catalog():
        assert (PROJECT_ROOT / "data" / "plans" / info.file).read_bytes() == (shared / info.file).read_bytes()


# A sixth plan, made up, in the same template but numbered and typed differently:
# "I -" roman numerals, "1)" and "1.1." numbers, "a." letters, "•"/"+" bullets,
# markdown headings, a sentence cut by a page break, values written other ways.
SIXTH_PLAN = """\
UỶ BAN NHÂN DÂN TỈNH LÂM ĐỒNG
Số: 12/KH-UBND

KẾ HOẠCH
Phát triển hạ tầng số tỉnh Lâm Đồng năm 2026

Căn cứ Quyết định số 1132/QĐ-TTg ngày 09/10/2024 của Thủ tướng Chính phủ;

### I - HIỆN TRẠNG

1) Hạ tầng di động
• Tỷ lệ dân số trưởng thành có điện thoại thông minh: 71,5%.
• Mạng truyền số liệu chuyên dùng đã kết nối với 142 đường truyền.

### II - MỤC TIÊU ĐẾN NĂM 2027

1) **Hạ tầng viễn thông**
1.1. Di động
• Tốc độ băng rộng di động đạt tối thiểu 80 Mb/s.
• Tỷ lệ dùng chung vị trí trạm BTS: khoảng 40%.
1.2. Cố định
• Số thuê bao băng rộng cố định/100 dân đạt 35 thuê bao, theo Công văn số 2224/BTTTT-THH ngày 9/6/2022 và thế hệ thứ 5.
• Tỷ lệ hộ gia đình có truy nhập Internet băng rộng cáp

quang đạt trên 90%.

### III - TỔ CHỨC THỰC HIỆN

1) Sở Khoa học và Công nghệ
a. Chủ trì triển khai Kế hoạch; báo cáo UBND tỉnh trước ngày 15/12 hằng năm.
b. Hướng dẫn doanh nghiệp thực hiện các nội dung sau:
+ Xây dựng kế hoạch hằng năm.
+ Dùng chung hạ tầng.
2) Công an tỉnh
Bảo đảm an ninh mạng.

Trên đây là Kế hoạch phát triển hạ tầng số tỉnh Lâm Đồng./.
"""


def _sixth_info() -> PlanInfo:
    return PlanInfo(id="lam-dong", file="lam-dong.txt", province="Lâm Đồng", title="Kế hoạch thử",
                    number="12/KH-UBND", date="2026", period="2026 - 2027", status="issued",
                    signer="", signer_title="")


def test_a_sixth_plan_with_other_numbering_parses():
    plan = parse_plan(SIXTH_PLAN, _sixth_info())
    tops = [s.heading for s in plan.root.children if s.style not in ("preamble", "end")]
    assert tops == ["I. HIỆN TRẠNG", "II. MỤC TIÊU ĐẾN NĂM 2027", "III. TỔ CHỨC THỰC HIỆN"]
    values = {(v.kind, v.year, v.indicator): (v.value, v.unit, v.qualifier) for v in extract_values(plan)}
    assert values == {
        ("status", None, "adults_with_smartphone"): (71.5, "%", ""),
        ("status", None, "special_network_lines"): (142, "đường truyền", ""),
        ("target", 2027, "mobile_broadband_speed"): (80, "Mbps", "tối thiểu"),
        ("target", 2027, "bts_site_sharing"): (40, "%", "khoảng"),
        ("target", 2027, "fixed_broadband_subscriptions_per_100"): (35, "thuê bao/100 dân", ""),
        ("target", 2027, "households_with_fibre"): (90, "%", "trên"),
    }
    fibre = next(v for v in extract_values(plan) if v.indicator == "households_with_fibre")
    assert fibre.section == "II. MỤC TIÊU ĐẾN NĂM 2027 › 1. Hạ tầng viễn thông › 1.2. Cố định"
    duties = extract_duties(plan)
    assert [(d.agency, len(d.duties)) for d in duties] == [
        ("dept_science_technology", 2), ("provincial_police", 1)]
    first = duties[0].duties
    assert first[0].deadlines == ["trước ngày 15/12 hằng năm"]
    assert first[1].items == ["Xây dựng kế hoạch hằng năm.", "Dùng chung hạ tầng."]
    assert any("Quyết định số 1132/QĐ-TTg" in f.references for f in extract_document_facts(plan))


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"K\xe1\xba\xbf ho\xe1ch \xff\xfe", "not UTF-8"),
])
def test_unreadable_files_give_a_clear_error(raw, message):
    with pytest.raises(PlanParseError, match=message):
        decode_plan(raw, "broken.txt")


def test_a_text_without_sections_is_rejected():
    with pytest.raises(PlanParseError, match="no numbered sections"):
        parse_plan("Một đoạn văn bản bất kỳ.\nKhông có mục nào cả.\n", _sixth_info())


def test_broken_files_do_not_stop_the_others(tmp_path):
    source = PROJECT_ROOT / "data" / "plans"
    (tmp_path / "tien-giang.txt").write_bytes((source / "tien-giang.txt").read_bytes())
    (tmp_path / "lam-dong.txt").write_text(SIXTH_PLAN, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "prose.txt").write_text("Chỉ là một đoạn văn.\n", encoding="utf-8")
    entries = [{"id": name, "file": f"{name}.txt", "province": name, "title": name}
               for name in ("tien-giang", "lam-dong", "empty", "image", "prose", "missing")]
    (tmp_path / "catalog.yml").write_text(yaml.safe_dump({"plans": entries}), encoding="utf-8")
    plans, errors = load_plans(tmp_path)
    assert [plan.id for plan in plans] == ["tien-giang", "lam-dong"]
    assert len(errors) == 4
    assert any("empty.txt" in e and "empty" in e for e in errors)
    assert any("image.txt" in e and "binary" in e for e in errors)
    assert any("prose.txt" in e and "no numbered sections" in e for e in errors)
    assert any("missing.txt" in e and "cannot read" in e for e in errors)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=True)


def test_show_facts_json_lists_every_value():
    rows = json.loads(_cli("show", "facts", "--json").stdout)
    gold = _gold("plan_values.yml")["values"]
    assert len(rows) == len(gold)
    keys = {"kind", "province", "year", "indicator", "label", "value", "unit", "qualifier",
            "text", "section", "document"}
    assert all(keys <= row.keys() for row in rows)
    row = next(r for r in rows if r["province"] == "Tuyên Quang" and r["indicator"] == "fixed_broadband_speed"
               and r["year"] == 2025)
    assert (row["value"], row["unit"]) == (120, "Mbps")


def test_show_duties_json_and_table():
    rows = json.loads(_cli("show", "duties", "--json", "--province", "hau giang").stdout)
    assert {row["province"] for row in rows} == {"Hậu Giang"}
    assert {"province", "agency", "agency_label", "duties", "section", "document"} <= rows[0].keys()
    table = _cli("show", "facts", "--province", "Bình Phước").stdout
    assert "Bình Phước" in table and "60 thuê bao/100 dân" in table
