"""Generate the NLU lookup tables, entity synonyms and the year regex from the knowledge.

    python -m nlu.generate            # writes data/nlu/generated/lookups.yml
    python -m nlu.generate --check    # exit 1 if the file is missing or stale

Runs with either venv (stdlib + PyYAML). The output is git-ignored and rebuilt before
training; names are typed once, in data/knowledge/*.yml:

- province   provinces.yml: every unit's name and aliases → the unit's canonical name
             ("tien giang" → "Tiền Giang", "TP.HCM" → "Thành phố Hồ Chí Minh").
- agency     agencies.yml: name and `ask` phrases → the agency's canonical name;
             administrative_changes.yml: old and new agency names and aliases ("Sở
             TT&TT", "Bộ KH&CN") → the agencies.yml name they fold to, else their own.
- indicator  indicators.yml: name (also without its leading "Tỷ lệ"/"Số" and
             parentheses) and `ask` phrases → the indicator id.
- household_type  eligibility.yml: the four household types the eligibility form
             understands and how people say them → the type.
- year       a regex for 2020–2049 that does not fire inside dates or document numbers
             ("16/10/2024", "14/2022/TT-BTTTT").

Every phrase is written in up to three forms: as typed in the knowledge file, without
punctuation ("UBND các huyện thị xã thành phố"), and folded (lowercase, no diacritics:
"ubnd cac huyen thi xa thanh pho"); regex matching is case-insensitive, so these cover
what users type on a phone. Decomposed Unicode and other stray spellings are handled
at run time by nlu.synonyms.FoldingEntitySynonymMapper.

Lookup tables (which also drive the RegexEntityExtractor, so a false hit becomes a
wrong entity) leave out:
- provinces marked `ambiguous` in provinces.yml ("Hòa Bình" = peace, "Hải Dương" =
  ocean); the DIET model still learns them from context;
- single ordinary words ("báo" would fire in "báo cáo", its folded "bao" in "bao
  nhiêu"; "nghèo" inside "thoát nghèo"): a one-word entry stays only if it contains a
  digit ("5G") or is an acronym/brand typed without diacritics ("VNPT", "QLTT");
- question phrasings ("bao nhiêu xã kết nối"), which are ways to ask, not names.
They all stay synonyms. A phrase claimed by two targets keeps the first (knowledge
files list the more general or more specific one first on purpose) and is reported.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

import yaml

from core import knowledge
from nlu.segment import segment

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "data" / "nlu" / "generated" / "lookups.yml"

# Years of plans and programmes. Not after "/", ".", "," or a digit (dates, document
# numbers, amounts) and not before "/" or a digit; "2023-2025" gives two years.
YEAR_REGEX = r"(?<![\d/.,])20[2-4]\d(?![\d/]|[.,]\d)"

_QUESTION_WORDS = ("bao nhiêu", "bao nhieu")
_PARENS = re.compile(r"\s*\([^)]*\)")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def forms(phrase: str) -> list[str]:
    """The phrase as written, without punctuation, and folded (order kept, deduped)."""
    phrase = _nfc(phrase)
    pieces = segment(phrase)
    variants = [phrase, " ".join(p.original for p in pieces), " ".join(p.text for p in pieces)]
    seen, out = set(), []
    for variant in variants:
        if variant and variant.lower() not in seen:
            seen.add(variant.lower())
            out.append(variant)
    return out


def folded(phrase: str) -> str:
    return " ".join(p.text for p in segment(_nfc(phrase)))


def _lookup_worthy(phrase: str) -> bool:
    low = phrase.lower()
    if any(q in low for q in _QUESTION_WORDS):
        return False
    words = phrase.split()
    if len(words) > 1:
        return True
    word = words[0]
    if any(ch.isdigit() for ch in word):
        return True
    return word.isascii() and len(word) >= 4 and folded(word) == word.lower()


class Vocabulary:
    """Synonym keys → target for one entity, with the phrases for its lookup table."""

    def __init__(self, entity: str, claimed: dict[str, tuple[str, str]], log: list[str]):
        self.entity = entity
        self.claimed = claimed        # shared across entities: lowercase key → (entity, target)
        self.log = log
        self.synonyms: dict[str, list[str]] = {}   # target → keys (as written)
        self.lookup: list[str] = []

    def add(self, phrase: str, target: str, lookup: bool = True) -> None:
        for form in forms(phrase):
            key = form.lower()
            owner = self.claimed.get(key)
            if owner is None:
                self.claimed[key] = (self.entity, target)
                if key != target.lower():
                    self.synonyms.setdefault(target, []).append(form)
            elif owner != (self.entity, target):
                self.log.append(
                    f"'{form}' ({self.entity} → {target}) already means "
                    f"{owner[0]} → {owner[1]}; kept the first"
                )
                continue
            if lookup and form.lower() not in {e.lower() for e in self.lookup}:
                self.lookup.append(form)


def build() -> tuple[dict[str, Vocabulary], list[str]]:
    claimed: dict[str, tuple[str, str]] = {}
    log: list[str] = []
    vocab = {name: Vocabulary(name, claimed, log)
             for name in ("province", "agency", "indicator", "household_type")}

    # --- provinces: every unit, current and former, with aliases
    for unit in knowledge.load("provinces.yml").get("units", []):
        name = _nfc(unit["name"])
        usable = not unit.get("ambiguous", False)
        for phrase in [name, *unit.get("aliases", [])]:
            vocab["province"].add(phrase, name, lookup=usable)

    # --- agencies: canonical names and ask phrases
    agencies = knowledge.load("agencies.yml").get("agencies", [])
    by_folded: dict[str, str] = {}
    for agency in agencies:
        name = _nfc(agency["name"])
        for phrase in [name, *agency.get("ask", [])]:
            by_folded.setdefault(folded(phrase), name)
    for agency in agencies:
        name = _nfc(agency["name"])
        for phrase in [name, *agency.get("ask", [])]:
            vocab["agency"].add(phrase, name, lookup=_lookup_worthy(phrase))

    # --- agencies renamed, merged or abolished in 2025: join by folded name/alias
    changes = knowledge.load("administrative_changes.yml").get("agencies", [])
    for change in changes:
        for side, alias_key in (("old", "aliases"), ("new", "new_aliases")):
            if not change.get(side):
                continue
            phrases = [_PARENS.sub("", _nfc(change[side])), *(change.get(alias_key) or [])]
            known = [by_folded[folded(p)] for p in phrases if folded(p) in by_folded]
            target = known[0] if known else phrases[0]
            for phrase in phrases:
                vocab["agency"].add(phrase, target, lookup=_lookup_worthy(phrase))

    # --- indicators: id ← name (also without "Tỷ lệ"/"Số" and parentheses) and asks
    for indicator in knowledge.load("indicators.yml").get("indicators", []):
        ident = indicator["id"]
        name = _PARENS.sub("", _nfc(indicator["name"]))
        short = re.sub(r"^(tỷ lệ|số)\s+", "", name, flags=re.IGNORECASE)
        # The lookup gets the name without "Tỷ lệ"/"Số": entity spans in data/nlu leave
        # those words out ("tỷ lệ [hộ có cáp quang]"), and a lookup match covering them
        # would teach DIET to tag "tỷ lệ" alone. The full name stays a synonym.
        for phrase in [name, short, *indicator.get("ask", [])]:
            in_lookup = _lookup_worthy(phrase) and not (phrase == name and short != name)
            vocab["indicator"].add(phrase, ident, lookup=in_lookup)

    # --- household types: the values validate_eligibility_form expects
    eligibility = knowledge.load("eligibility.yml")
    for household in eligibility["household_types"]:
        for phrase in [household["id"], *household["ask"]]:
            usable = _lookup_worthy(phrase) and phrase not in eligibility.get("not_in_lookup", [])
            vocab["household_type"].add(phrase, household["id"], lookup=usable)

    return vocab, log


def _block(items: list[str]) -> str:
    return "".join(f"      - {item}\n" for item in items)


def render(vocab: dict[str, Vocabulary], log: list[str]) -> str:
    out = [
        "# GENERATED by `python -m nlu.generate` from data/knowledge/*.yml.",
        "# Do not edit: change the knowledge files and regenerate (the Makefile does it",
        "# before training). See nlu/generate.py for what is left out and why.",
    ]
    out += [f"# conflict: {line}" for line in log]
    out += ['version: "3.1"', "nlu:"]
    for name, voc in vocab.items():
        # longest first: Python's regex alternation takes the first alternative that
        # matches at a position ("Bà Rịa - Vũng Tàu" before "Bà Rịa")
        elements = sorted(voc.lookup, key=lambda e: (-len(e), e))
        out.append(f"  - lookup: {name}\n    examples: |\n{_block(elements)}".rstrip("\n"))
    for name, voc in vocab.items():
        for target, keys in voc.synonyms.items():
            out.append(
                f"  - synonym: {yaml.safe_dump(target, allow_unicode=True).splitlines()[0]}\n"
                f"    examples: |\n{_block(keys)}".rstrip("\n")
            )
    out.append(f"  - regex: year\n    examples: |\n      - {YEAR_REGEX}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    vocab, log = build()
    text = render(vocab, log)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is missing or stale: run python -m nlu.generate", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
        args.output.write_text(text, encoding="utf-8")  # unchanged file keeps its mtime
    counts = ", ".join(
        f"{name}: {len(v.lookup)} lookup / {sum(map(len, v.synonyms.values()))} synonyms"
        for name, v in vocab.items()
    )
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output} ({counts})")
    for line in log:
        print(f"  conflict: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
