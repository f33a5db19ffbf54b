"""The generated administrative units (data/knowledge/admin_units.json, from the package
vietnamadminunits by scripts/admin_units.py) checked against sources independent of it,
and the place resolver (core/regions.py) on old names, districts and communes.

Second sources:
- data/knowledge/provinces.yml: the names of the 34 units and of the 63 former ones,
  compiled by hand from vnexpress and znews lists;
- data/knowledge/administrative_changes.yml and ../shared/facts/administrative_changes_2025.md:
  the merges of the five corpus provinces;
- MERGES_SEEN below: the merges as the annex of Nghị quyết 60-NQ/TW (12/4/2025) lists
  them, rows as read on public pages (bnews.vn, baothanhhoa.vn, reatimes.vn, 2025);
- data/knowledge/localities.yml: the 44 former districts of the five corpus provinces,
  checked by hand against the GSO list.
"""
import datetime
import json
import re
import statistics
import time
from pathlib import Path

import pytest

from core import knowledge, regions
from core.settings import PROJECT_ROOT
from core.text import fold
from index.plans import PlanInfo, covers_today_unit, published_plans_of

FACTS = PROJECT_ROOT.parent / "shared" / "facts" / "administrative_changes_2025.md"

# today's unit: the former units merged into it (annex of Nghị quyết 60-NQ/TW, kept by
# Nghị quyết 202/2025/QH15), as read on bnews.vn/ten-goi-trung-tam-hanh-chinh-cac-don-vi-
# hanh-chinh-cap-tinh-moi-sau-sap-nhap-hop-nhat/369899.html (rows 1-10), and on
# reatimes.vn (Lâm Đồng, Gia Lai); the eleven units not merged from the same annex.
MERGES_SEEN = {
    "Tuyên Quang": {"Tuyên Quang", "Hà Giang"},
    "Lào Cai": {"Lào Cai", "Yên Bái"},
    "Thái Nguyên": {"Thái Nguyên", "Bắc Kạn"},
    "Phú Thọ": {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"},
    "Bắc Ninh": {"Bắc Ninh", "Bắc Giang"},
    "Hưng Yên": {"Hưng Yên", "Thái Bình"},
    "Hải Phòng": {"Hải Phòng", "Hải Dương"},
    "Ninh Bình": {"Ninh Bình", "Hà Nam", "Nam Định"},
    "Quảng Trị": {"Quảng Trị", "Quảng Bình"},
    "Đà Nẵng": {"Đà Nẵng", "Quảng Nam"},
    "Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
    "Gia Lai": {"Gia Lai", "Bình Định"},
    **{name: {name} for name in ("Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn",
                                 "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng")},
}


@pytest.fixture(scope="module")
def units():
    return knowledge.load("admin_units.json")


def test_counts_are_those_of_the_reform(units):
    assert units["meta"]["counts"] == {"provinces": 34, "former_provinces": 63, "districts": 696,
                                       "wards": 3321, "former_wards": len(units["former_wards"])}
    assert (len(units["provinces"]), len(units["former_provinces"]), len(units["districts"]),
            len(units["wards"])) == (34, 63, 696, 3321)
    kinds = {kind for _, kind, *_ in units["wards"]}
    assert kinds == {"xã", "phường", "đặc khu"}
    assert sum(1 for _, kind, *_ in units["wards"] if kind == "đặc khu") == 13


def test_source_licence_and_date_are_recorded(units):
    meta = units["meta"]
    assert meta["source"]["licence"].startswith("MIT") and "vietnamadminunits" in meta["source"]["package"]
    assert datetime.date.fromisoformat(meta["generated"])
    assert meta["effective"] == "2025-07-01"


def test_names_agree_with_provinces_yml(units):
    listed = knowledge.load("provinces.yml")["units"]
    current = {u["name"] for u in listed if u["status"] in ("current", "both")}
    former = {u["name"] for u in listed if u["status"] in ("former", "both")}
    assert {p["name"] for p in units["provinces"]} == current
    assert {p["name"] for p in units["former_provinces"]} == former


def test_every_former_province_belongs_to_one_unit_that_includes_it(units):
    includes = {p["name"]: set(p["includes"]) for p in units["provinces"]}
    assert sorted(n for members in includes.values() for n in members) == \
        sorted(p["name"] for p in units["former_provinces"])
    for row in units["former_provinces"]:
        assert row["name"] in includes[row["today"]], row


def test_merges_agree_with_a_second_source(units):
    includes = {p["name"]: set(p["includes"]) for p in units["provinces"]}
    for unit, members in MERGES_SEEN.items():
        assert includes[unit] == members, unit
    assert sum(1 for members in includes.values() if len(members) == 1) == 11


def test_corpus_merges_agree_with_administrative_changes(units):
    today = {p["name"]: p["today"] for p in units["former_provinces"]}
    changes = knowledge.load("administrative_changes.yml")
    for row in changes["provinces"]:
        assert today[row["old"]] == row["new_unit"]
        for other in row["merged_with"]:
            assert today[other] == row["new_unit"]
    for unit in changes["new_units"]:
        assert {m["name"] for m in unit["includes"]} <= {n for n, t in today.items() if t == unit["name"]}


@pytest.mark.skipif(not FACTS.exists(), reason="../shared/facts not beside the repository")
def test_corpus_merges_agree_with_the_fact_sheet(units):
    today = {p["name"]: p["today"] for p in units["former_provinces"]}
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| (?:tỉnh|thành phố) ([^|]+?) \|$", FACTS.read_text(encoding="utf-8"), re.M)
    assert len(rows) == 5
    for old, merged_with, new in rows:
        assert today[old] == new
        for other in merged_with.split(", "):
            assert today[other.removeprefix("thành phố ")] == new


def test_districts_of_the_corpus_provinces_agree_with_localities_yml(units):
    ours = {(name, kind, province) for name, kind, province in units["districts"]}
    for province, listed in knowledge.load("localities.yml")["provinces"].items():
        for unit in listed:
            assert (unit["name"], unit["kind"], province) in ours or \
                   (unit["name"].replace("Thủy", "Thuỷ"), unit["kind"], province) in ours, unit


def test_names_needing_their_kind_are_district_names(units):
    names = {fold(name) for name, *_ in units["districts"]}
    for name in knowledge.load("localities.yml")["need_kind"]:
        assert fold(name) in names, name


# ---------------------------------------------------------------------- resolver

def resolved(text):
    return [(p.name, p.status, p.plan_ids, p.today) for p in regions.find_places(text)]


@pytest.mark.parametrize("text, expected", [
    # former provinces outside the corpus, any spelling, to today's unit
    ("tôi ở Đắk Nông", [("Đắk Nông", "former", (), ("Lâm Đồng",))]),
    ("toi o dak nong", [("Đắk Nông", "former", (), ("Lâm Đồng",))]),
    ("tỉnh Đăk Nông", [("Đắk Nông", "former", (), ("Lâm Đồng",))]),
    ("Quang Binh", [("Quảng Bình", "former", (), ("Quảng Trị",))]),
    ("tinh bac giang", [("Bắc Giang", "former", (), ("Bắc Ninh",))]),
    ("Bình Thuậnn", [("Bình Thuận", "former", (), ("Lâm Đồng",))]),        # a typo
    # Hà Giang keeps its note of the reorganisation data, and now knows its unit
    ("ha giang", [("Hà Giang", "no_plan", (), ("Tuyên Quang",))]),
    # former districts of any province, with or without their kind
    ("huyện Lâm Hà", [("Lâm Hà", "locality", (), ("Lâm Đồng",))]),
    ("nha toi o Bao Loc", [("Bảo Lộc", "locality", (), ("Lâm Đồng",))]),
    ("tp Buôn Ma Thuột", [("Buôn Ma Thuột", "locality", (), ("Đắk Lắk",))]),
    ("quận 1", [("Quận 1", "locality", (), ("Thành phố Hồ Chí Minh",))]),
    ("Cai Lậy giờ thuộc đâu", [("Cai Lậy", "locality", ("tien-giang",), ("Đồng Tháp",))]),
    # today's communes and wards, after their kind
    ("phường Cái Khế", [("Cái Khế", "locality", (), ("Cần Thơ",))]),
    ("dac khu Phu Quoc", [("Phú Quốc", "locality", (), ("An Giang",))]),
    ("o xa Ea Kar", [("Ea Kar", "locality", (), ("Đắk Lắk",))]),
    # a commune of today's Cần Thơ made of communes of the old Sóc Trăng: its plan
    ("xã Cù Lao Dung", [("Cù Lao Dung", "locality", ("soc-trang",), ("Cần Thơ",))]),
    # a shared commune name: no plan until the province is named, which narrows it
    ("xa tan phu, dong nai", [("Tân Phú", "locality", (), ("Đồng Nai",))]),
    ("Châu Thành, Tiền Giang", [("Châu Thành", "locality", ("tien-giang",), ("Đồng Tháp",))]),
    # negatives: ordinary words that are also names of units
    ("ở xa trung tâm huyện", []),
    ("chương trình viễn thông công ích là gì", []),
    ("ngư dân dùng đài duyên hải", []),
    ("hải dương học", []),
    ("Bình Minh", []),
    ("xã", []),
])
def test_old_names_districts_and_communes(text, expected):
    assert resolved(text) == expected


def test_a_shared_commune_name_names_its_provinces():
    place = regions.find_places("xã Tân Phú")[0]
    assert len(place.today) > 1 and place.plan_ids == ()
    assert all(unit in place.note for unit in place.today)


def test_notes_say_the_link():
    assert "thuộc tỉnh Lâm Đồng" in regions.find_places("Đắk Nông")[0].note
    assert "từ 01/07/2025" in regions.find_places("Đắk Nông")[0].note
    note = regions.find_places("phường Cái Khế")[0].note
    assert note.startswith("Phường Cái Khế thuộc thành phố Cần Thơ")
    note = regions.find_places("huyện Lâm Hà")[0].note
    assert "tỉnh Lâm Đồng" in note and "cấp huyện cũ" in note


def plan(plan_id, province, date, period):
    return PlanInfo(id=plan_id, file=f"{plan_id}.txt", province=province, title="Kế hoạch", number="",
                    date=date, period=period, status="issued", signer="", signer_title="")


def test_a_plan_of_today_s_unit_answers_for_its_former_parts():
    catalog = (plan("tuyen-quang", "Tuyên Quang", "2025", "2025, định hướng đến năm 2030"),
               plan("lam-dong-2026", "Lâm Đồng", "2026-01-05", "2026 - 2030"),
               plan("lam-dong-2024", "Lâm Đồng", "2024-03-01", "2024 - 2025"))
    assert covers_today_unit(catalog[1]) and not covers_today_unit(catalog[2])
    assert not covers_today_unit(catalog[0])                 # the corpus plan of the old Tuyên Quang
    ids = lambda text: [p.plan_ids for p in published_plans_of(regions.find_places(text), catalog)]  # noqa: E731
    assert ids("tôi ở Đắk Nông") == [("lam-dong-2026",)]
    assert ids("huyện Đắk Mil") == [("lam-dong-2026",)]
    assert ids("xa Ea Kar") == [()]                        # Đắk Lắk: no plan
    assert ids("Hà Giang") == [()]                          # the old Tuyên Quang's plan does not cover it
    catalog += (plan("tuyen-quang-2026", "Tuyên Quang", "2026-02-01", "2026 - 2030"),)
    assert ids("Hà Giang") == [("tuyen-quang-2026",)]


def test_lookups_are_fast():
    questions = ["toi o xa tan phu dong nai muc tieu cap quang bao nhieu",
                 "Kế hoạch hạ tầng số của tỉnh Đắk Nông có mục tiêu gì về phủ sóng 5G năm 2025?",
                 "nhà tôi ở phường Cái Khế, khi nào tắt sóng 2G, điện thoại cũ còn gọi được không?"] * 30
    regions.find_places("khởi động")                       # tables built once per process
    times = []
    for question in questions:
        start = time.perf_counter()
        regions.find_places(question)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.01, statistics.median(times)


def test_composition_of_today_s_units():
    assert regions.composition_note("Lào Cai") == "Từ 01/07/2025, tỉnh Lào Cai gồm tỉnh Lào Cai cũ và tỉnh Yên Bái."
    assert "không sáp nhập" in regions.composition_note("Hà Nội")
    assert regions.composition_note("Đắk Nông") == ""         # not one of today's units


def test_a_shared_name_gets_no_plan_of_one_of_its_provinces():
    catalog = (plan("tien-giang", "Tiền Giang", "2023-12-26", "2023 - 2025"),)
    places = published_plans_of(regions.find_places("xã Tân Phú"), catalog)
    assert places[0].plan_ids == ()


def test_the_kind_written_before_a_name_wins_over_a_province_s_name():
    found = resolved("ấp 3 xã Tân Thạnh, huyện Thạnh Hóa, Long An")
    assert found == [("Tân Thạnh", "locality", (), ("Tây Ninh",)), ("Thạnh Hóa", "locality", (), ("Tây Ninh",))]
    assert resolved("thành phố Cần Thơ")[0][1] == "new_unit"          # "thành phố" names provinces too
