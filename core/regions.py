"""Recognise provinces in free text and map them to the plans in the corpus.

The plans were written for provinces that no longer exist on their own: since 1/7/2025
Vietnam has 34 provincial units instead of 63. A citizen may name an old province
("Tiền Giang"), today's unit ("Đồng Tháp") or a place we have no plan for ("Lào Cai");
retrieval and the actions need to know which plans, if any, answer for that place, and
what to tell the user about the mapping.

    >>> [(p.name, p.status, p.plan_ids) for p in find_places("kế hoạch của tp Cần Thơ")]
    [('Cần Thơ', 'new_unit', ('soc-trang', 'hau-giang'))]

All names, aliases and mappings come from data/knowledge/provinces.yml,
data/knowledge/administrative_changes.yml, data/knowledge/localities.yml and the generated
data/knowledge/admin_units.json (every province before and after 1/7/2025, the 696
former districts, today's 3,321 communes and wards and the former communes, from the
MIT-licensed package vietnamadminunits: scripts/admin_units.py); this module only knows
how to match them. The tables are built once per process (a dict from folded syllables
to units), so a lookup costs a few dict probes per token.

    >>> [(p.name, p.status, p.today) for p in find_places("tôi ở Đắk Nông")]
    [('Đắk Nông', 'former', ('Lâm Đồng',))]

How a name is matched, and why:
- on folded syllables (core.text.fold), so case, missing diacritics, NFC/NFD and tone
  placement ("Hòa"/"Hoà") do not matter, and always whole syllables ("Giang" alone,
  "thuế", "an" never match);
- diacritics, when typed, must not contradict the name's letters ("năm định" is not
  Nam Định), and words listed as false friends ("diễn biến", "hai phòng") are not places;
- ordinary compounds claim their syllables ("hà nội dung", "an toàn"), and names that
  are ordinary words ("hòa bình") need a prefix (tỉnh / thành phố / tp) or capitals;
- a one-edit typo is accepted only in a long syllable of a long name, when exactly one
  place is that close and the phrase is not an ordinary one ("tien giag", "binh phuc");
- a commune or ward (xã, phường, thị trấn, đặc khu; today's or a former one) needs its
  kind before the name ("xã Tân Phú", "phuong cai khe"): their names are ordinary words
  too often; a former district matches without it when the name has two syllables or
  more, is not marked ambiguous in localities.yml and is not wording of the plans;
- a name several units share ("xã Tân Phú") is narrowed by a province named in the
  same text ("xã Tân Phú, Đồng Nai"), which the commune then stands for.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from core import knowledge, settings
from core.text import fold

PROVINCES_FILE = "provinces.yml"
CHANGES_FILE = "administrative_changes.yml"
LOCALITIES_FILE = "localities.yml"
ADMIN_UNITS_FILE = "admin_units.json"

CORPUS = "corpus"        # a corpus province, under its old name
LOCALITY = "locality"    # a former district / town of corpus provinces (or a ward named after it)
NEW_UNIT = "new_unit"    # a unit of today that covers corpus plans
NO_PLAN = "no_plan"      # recognised, but no plan in the corpus
FORMER = "former"        # a former province outside the corpus, resolved to today's unit

PROVINCE_CITY = "thành phố"  # a kind of district that is also a kind of province
MIN_JOINED_LETTERS = 5   # "hanoi", "tiengiang": names typed without spaces
MIN_TYPO_LETTERS = 6     # shorter names sit too close to ordinary words to guess typos
MIN_TYPO_SYLLABLE = 5    # one edit in "dinh", "thap", "dong" gives real words ("danh", "thai", "don")

# A syllable is a run of word characters *and combining marks*, so that NFD input
# ("Tie\u0302\u0300n") stays one token and spans point into the text as given.
_TOKEN = re.compile(r"[\w\u0300-\u036f]+")
_SENTENCE_BREAK = re.compile(r"[.!?:;\n]")
_NAME_GAP = re.compile(r"[\s\-–—]*")  # what may separate the syllables of one name
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@dataclass(frozen=True)
class Place:
    name: str                  # canonical name with diacritics, e.g. "Cần Thơ"
    status: str                # CORPUS | NEW_UNIT | NO_PLAN
    plan_ids: tuple[str, ...]  # plans this place maps to today (empty for NO_PLAN)
    note: str                  # one Vietnamese sentence on the mapping, "" when trivial
    span: tuple[int, int]      # character span of the name (without prefix) in the text
    # Today's province(s) of a former province, district or commune (several when a
    # commune's name is shared), and the former province(s) it lay in: a plan published
    # for one of those (index/plans/catalog.py:published_plans_of) answers for it.
    today: tuple[str, ...] = ()
    former: tuple[str, ...] = ()


# --------------------------------------------------------------------------- API

def without_places(text: str, places: list[Place] | None = None) -> str:
    """`text` with the places it names cut out (each leaves a space). `places`: those
    already found in `text` (find_places; spans index `text`), so it is not read again;
    None: read them now."""
    found = find_places(text) if places is None else places
    for place in sorted(found, key=lambda p: -p.span[0]):
        start, end = place.span
        text = text[:start] + " " + text[end:]
    return text


def find_places(text: str) -> list[Place]:
    """Places named in `text`, in order of appearance, each place once."""
    tokens = _tokenize(text)
    gazetteer = _gazetteer()
    masked = _masked_positions(tokens, gazetteer)
    matches = _exact_matches(tokens, gazetteer, masked)
    taken = masked | {k for start, end, _ in matches for k in range(start, end)}
    matches += _typo_matches(tokens, gazetteer, taken)

    matches = _narrowed(sorted(matches, key=lambda match: match[0]), gazetteer)

    places, seen = [], set()
    for start, end, entry in matches:
        if (entry.name, entry.status, entry.today) not in seen:
            seen.add((entry.name, entry.status, entry.today))
            span = (tokens[start].start, tokens[end - 1].end)
            places.append(Place(entry.name, entry.status, entry.plan_ids, entry.note, span,
                                entry.today, entry.former))
    return places


def load() -> None:
    """Build the lookup tables now (about 1–2 s: some 15,000 names) rather than on the
    first question: the action server calls this at start-up."""
    _gazetteer()
    _corpus_phrases()


def plan_ids_for(text: str) -> tuple[str, ...]:
    """Union of the plan ids of the places named in `text`, in order."""
    ids: list[str] = []
    for place in find_places(text):
        ids.extend(plan for plan in place.plan_ids if plan not in ids)
    return tuple(ids)


def province_of_plan(plan_id: str) -> str:
    """Old province a plan was written for: "tien-giang" -> "Tiền Giang"."""
    return _corpus_row(plan_id)["old"]


def today_unit_of_plan(plan_id: str) -> str:
    """Unit that covers the plan's province today: "tien-giang" -> "Đồng Tháp"."""
    return _corpus_row(plan_id)["new_unit"]


def composition_note(name: str) -> str:
    """"Từ 01/07/2025, tỉnh Lào Cai gồm tỉnh Lào Cai cũ và tỉnh Yên Bái.": what one of
    today's 34 units is made of (admin_units.json; templates in provinces.yml); "" for
    any other name."""
    row = next((p for p in _admin_units()["provinces"] if p["name"] == name), None)
    if row is None:
        return ""
    templates = _provinces()["note_templates"]
    full = _province_full(name)
    if row["includes"] == [name]:
        return templates["unit_unchanged"].format(Full=full[:1].upper() + full[1:])
    members = [_province_full(m, old=m == name) for m in sorted(row["includes"], key=lambda m: m != name)]
    return templates["unit_includes"].format(full=full, members=", ".join(members[:-1]) + " và " + members[-1])


def is_corpus_plan(plan_id: str) -> bool:
    """Whether a plan is one of the corpus table's, written for a province before 1/7/2025."""
    return any(row["plan"] == plan_id for row in _changes()["provinces"])


def corpus_changes() -> dict:
    """administrative_changes.yml, parsed (shared: do not modify)."""
    return _changes()


def corpus_provinces() -> list[str]:
    """The provinces with a plan in the corpus, in the data file's order."""
    return [row["old"] for row in _changes()["provinces"]]


# ------------------------------------------------------------------ data loading

@dataclass(frozen=True)
class _Entry:
    """One recognisable place and how to answer for it."""
    name: str
    status: str
    plan_ids: tuple[str, ...]
    note: str
    ambiguous: bool = False                            # also an ordinary word
    false_friends: tuple[tuple[str, ...], ...] = ()    # ordinary words, as syllables
    today: tuple[str, ...] = ()                        # as Place.today
    former: tuple[str, ...] = ()                       # as Place.former
    candidates: tuple = ()                             # the _Units a shared name may mean


@dataclass(frozen=True)
class _Unit:
    """A district, commune or ward of admin_units.json (or of localities.yml) that a name
    may mean: what it is, where it lies today and before, which corpus plans cover it."""
    name: str
    kind: str                   # huyện, quận, thị xã, thành phố, xã, phường, thị trấn, đặc khu
    level: str                  # district | ward | former_ward
    today: str                  # today's province
    former: tuple[str, ...]     # former province(s)
    plan_ids: tuple[str, ...]   # corpus plans of those former provinces
    note: str
    syllables: tuple[str, ...]  # the name as written, for the diacritics check


@dataclass(frozen=True)
class _Gazetteer:
    exact: dict           # folded syllables -> (_Entry, spellings with diacritics)
    fuzzy: dict           # folded syllables with one "*" -> [(syllable at "*", _Entry)]
    old_namesakes: dict   # new unit's name -> _Entry of the old unit of that name
    prefixes: tuple       # folded syllables: ("tinh",), ("thanh", "pho"), ("tp",)
    compounds: tuple      # syllables (with diacritics) of ordinary words
    typo_blocklist: frozenset  # folded phrases never read as typos
    old_markers: tuple    # syllables (with diacritics) meaning "the old unit"
    max_syllables: int
    divisions: dict = None          # folded syllables -> (_Unit, ...): districts, communes
    division_prefixes: tuple = ()   # ((syllables with diacritics), frozenset of kinds), longest first
    unprefixed_blocklist: frozenset = frozenset()  # folded district names that need their kind


@lru_cache(maxsize=None)
def _provinces() -> dict:
    return knowledge.load(PROVINCES_FILE)


@lru_cache(maxsize=None)
def _changes() -> dict:
    return knowledge.load(CHANGES_FILE)


@lru_cache(maxsize=None)
def _localities() -> dict:
    return knowledge.load(LOCALITIES_FILE)


@lru_cache(maxsize=None)
def _admin_units() -> dict:
    return knowledge.load(ADMIN_UNITS_FILE)


@lru_cache(maxsize=None)
def _today_of() -> dict[str, str]:
    """Former province -> today's unit, for all 63 (admin_units.json)."""
    return {row["name"]: row["today"] for row in _admin_units()["former_provinces"]}


@lru_cache(maxsize=None)
def _kind_of() -> dict[str, str]:
    """Province name (former or today's) -> tỉnh | thành phố."""
    units = _admin_units()
    kinds = {row["name"]: row["kind"] for row in units["former_provinces"]}
    kinds.update({row["name"]: row["kind"] for row in units["provinces"]})
    return kinds


@lru_cache(maxsize=512)
def _province_full(name: str, old: bool = False) -> str:
    """'tỉnh Lâm Đồng', 'thành phố Cần Thơ', 'tỉnh Đồng Tháp cũ' (old=True)."""
    full = _full_name(_kind_of().get(name, "tỉnh"), name)
    return f"{full} cũ" if old else full


def _corpus_plans_of(provinces) -> tuple[str, ...]:
    rows = {row["old"]: row["plan"] for row in _changes()["provinces"]}
    return tuple(dict.fromkeys(rows[p] for p in provinces if p in rows))


def _corpus_row(plan_id: str) -> dict:
    for row in _changes()["provinces"]:
        if row["plan"] == plan_id:
            return row
    raise KeyError(f"no corpus province has plan {plan_id!r}")


def _syllables(phrase: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(unicodedata.normalize("NFC", phrase)))


def _full_name(kind: str, name: str) -> str:
    """'tỉnh Bắc Giang', but 'Thành phố Hồ Chí Minh' stays as it is."""
    return name if fold(name).startswith(fold(kind) + " ") else f"{kind} {name}"


def _entries() -> tuple[dict, dict]:
    """Every recognisable place by name, and the old namesakes of new units.

    Corpus provinces and the new units covering them come from
    administrative_changes.yml; every other unit in provinces.yml is NO_PLAN.
    """
    changes, provinces = _changes(), _provinces()
    entries: dict[str, _Entry] = {}
    for row in changes["provinces"]:
        entries[row["old"]] = _Entry(row["old"], CORPUS, (row["plan"],), row["note"])

    old_namesakes: dict[str, _Entry] = {}
    for unit in changes["new_units"]:
        if unit["name"] not in entries:  # Tuyên Quang is a corpus province and a new unit
            entries[unit["name"]] = _Entry(unit["name"], NEW_UNIT, tuple(unit["plans"]), unit["note"])
        for member in unit["includes"]:
            if member["plan"] is not None:
                continue
            if member["name"] == unit["name"]:  # "Đồng Tháp cũ"
                old_namesakes[unit["name"]] = _Entry(member["name"], NO_PLAN, (), member["note_old"])
            else:                               # Hà Giang: say where it went, give no plan
                entries[member["name"]] = _Entry(member["name"], NO_PLAN, (), member["note"])

    template = provinces["note_templates"]["former_unit"]
    units = {unit["name"]: unit for unit in provinces["units"]}
    today_of = _today_of()
    for name, unit in units.items():
        if name not in entries:
            if unit["status"] == "former":
                today = today_of[name]
                entries[name] = _Entry(name, FORMER, (), _former_note(template, unit, today), today=(today,),
                                       former=(name,))
            else:
                entries[name] = _Entry(name, NO_PLAN, (), "")
        elif entries[name].status == NO_PLAN and name in today_of and today_of[name] != name:
            # a former province the reorganisation data names without a plan (Hà Giang):
            # a plan its unit publishes today answers for it
            entries[name] = replace(entries[name], today=(today_of[name],), former=(name,))

    unknown = (set(entries) | set(old_namesakes)) - set(units)
    if unknown:
        raise ValueError(f"names missing from {PROVINCES_FILE}: {sorted(unknown)}")
    entries = {name: _with_name_traits(entry, units[name]) for name, entry in entries.items()}
    return entries, old_namesakes


def _former_note(template: str, unit: dict, today: str) -> str:
    full = _full_name(unit["kind"], unit["name"])
    return template.format(Full=full[:1].upper() + full[1:], kind=unit["kind"], name=unit["name"],
                           today=_province_full(today))


def _with_name_traits(entry: _Entry, unit: dict) -> _Entry:
    friends = tuple(_syllables(word) for word in unit.get("false_friends") or ())
    return replace(entry, ambiguous=bool(unit.get("ambiguous")), false_friends=friends)


def _spellings(unit: dict, prefixes: tuple) -> list[tuple[str, ...]]:
    """Syllables of the unit's name and aliases, without a leading prefix."""
    spellings = []
    for written in [unit["name"], *(unit.get("aliases") or ())]:
        syllables = _syllables(written)
        for prefix in prefixes:
            if _key(syllables[: len(prefix)]) == prefix and len(syllables) > len(prefix):
                syllables = syllables[len(prefix):]
        spellings.append(syllables)
    return spellings


def _key(syllables) -> tuple[str, ...]:
    return tuple(map(_fold_syllable, syllables))


@lru_cache(maxsize=None)
def _fold_syllable(syllable: str) -> str:
    """fold() of one syllable, remembered: the ~15,000 names share a few thousand."""
    return fold(syllable)


@lru_cache(maxsize=None)
def _gazetteer() -> _Gazetteer:
    provinces = _provinces()
    entries, old_namesakes = _entries()
    prefixes = tuple(_key(_syllables(prefix)) for prefix in provinces["prefixes"])

    exact: dict = {}
    joined: dict = {}
    fuzzy: dict = {}
    for unit in provinces["units"]:
        entry = entries[unit["name"]]
        for spelling in _spellings(unit, prefixes):
            key = _key(spelling)
            _add_spelling(exact, key, entry, spelling)
            letters = len("".join(key))
            if len(key) > 1 and letters >= MIN_JOINED_LETTERS:
                _add_spelling(joined, ("".join(key),), entry, ("".join(spelling),))
            if len(key) > 1 and letters >= MIN_TYPO_LETTERS and not entry.ambiguous:
                for position in range(len(key)):
                    signature = key[:position] + ("*",) + key[position + 1:]
                    fuzzy.setdefault(signature, []).append((key[position], entry))
    for key, value in joined.items():
        exact.setdefault(key, value)  # a real one-syllable name wins over a joined one
    for entry, spelling in _locality_entries():
        key = _key(spelling)
        if key not in exact:          # a province's name wins over a district's
            _add_spelling(exact, key, entry, spelling)
    locality_prefixes = tuple(_key(_syllables(p)) for p in _localities().get("prefixes") or ())
    prefixes = tuple(dict.fromkeys(prefixes + locality_prefixes))
    divisions = _divisions()
    division_prefixes = tuple(sorted(
        ((_syllables(prefix), frozenset(kinds)) for prefix, kinds in _localities()["division_prefixes"].items()),
        key=lambda item: -len(item[0])))

    return _Gazetteer(
        exact=exact,
        fuzzy=fuzzy,
        old_namesakes=old_namesakes,
        prefixes=prefixes,
        compounds=tuple(map(_syllables, provinces.get("compounds") or ())),
        typo_blocklist=frozenset(
            " ".join(_key(_syllables(phrase))) for phrase in provinces.get("typo_blocklist") or ()
        ),
        old_markers=tuple(map(_syllables, provinces.get("old_markers") or ())),
        max_syllables=max(max(len(key) for key in exact), max(len(key) for key in divisions)),
        divisions=divisions,
        division_prefixes=division_prefixes,
        unprefixed_blocklist=frozenset(
            " ".join(_key(_syllables(name))) for name in _localities().get("need_kind") or ()),
    )


def _divisions() -> dict[tuple[str, ...], tuple[_Unit, ...]]:
    """Folded name -> the districts, communes and wards of admin_units.json of that name.

    Units of the five plan provinces keep their plans: a district of the old Sóc Trăng,
    or a commune of today's Cần Thơ made of communes of the old Sóc Trăng, is covered by
    the Sóc Trăng plan; a commune of the old Cần Thơ is not."""
    data, templates = _admin_units(), _localities()["note_templates"]
    today_of = _today_of()
    table: dict[tuple[str, ...], list[_Unit]] = {}

    plans_of = lru_cache(maxsize=None)(_corpus_plans_of)

    def add(name: str, kind: str, level: str, today: str, former: tuple[str, ...]) -> None:
        syllables = _syllables(name)
        olds = ", ".join(_province_full(p, old=p == today) for p in former)
        note = templates[level if former else f"{level}_plain"].format(Kind=kind[:1].upper() + kind[1:], name=name, today=_province_full(today),
                                       former=olds)
        unit = _Unit(name, kind, level, today, former, plans_of(former), note, syllables)
        table.setdefault(_key(syllables), []).append(unit)

    for name, kind, province in data["districts"]:
        add(name, kind, "district", today_of[province], (province,))
    for name, kind, province, former in data["wards"]:
        add(name, kind, "ward", province, tuple(former))
    for name, kind, province in data["former_wards"]:
        add(name, kind, "former_ward", today_of[province], (province,))
    return {key: tuple(units) for key, units in table.items()}


def _locality_entries() -> list[tuple[_Entry, tuple[str, ...]]]:
    """Former districts and towns of the corpus provinces (localities.yml), one entry per
    name: a name shared by several provinces ("Châu Thành") maps to all their plans."""
    data = _localities()
    rows = {row["old"]: row for row in _changes()["provinces"]}
    by_name: dict[str, list[tuple[dict, dict]]] = {}
    for province, units in data["provinces"].items():
        if province not in rows:
            raise ValueError(f"{LOCALITIES_FILE}: {province!r} is not a corpus province")
        for unit in units:
            by_name.setdefault(unit["name"], []).append((unit, rows[province]))
    templates = data["note_templates"]
    entries = []
    for name, found in by_name.items():
        if len(found) == 1:
            unit, row = found[0]
            note = templates["one"].format(Kind=unit["kind"][:1].upper() + unit["kind"][1:], name=name,
                                           province=row["old"], new_kind=row["new_unit_kind"],
                                           new_unit=row["new_unit"])
        else:
            note = templates["several"].format(name=name, provinces=", ".join(row["old"] for _, row in found))
        candidates = tuple(
            _Unit(name, unit["kind"], "district", row["new_unit"], (row["old"],), (row["plan"],),
                  templates["one"].format(Kind=unit["kind"][:1].upper() + unit["kind"][1:], name=name,
                                          province=row["old"], new_kind=row["new_unit_kind"],
                                          new_unit=row["new_unit"]),
                  _syllables(name))
            for unit, row in found)
        entry = _Entry(name, LOCALITY, tuple(row["plan"] for _, row in found), note,
                       ambiguous=any(unit.get("ambiguous") for unit, _ in found),
                       today=tuple(dict.fromkeys(row["new_unit"] for _, row in found)),
                       former=tuple(row["old"] for _, row in found), candidates=candidates)
        entries.append((entry, _syllables(name)))
    return entries


def _add_spelling(table: dict, key: tuple, entry: _Entry, spelling: tuple) -> None:
    known, spellings = table.get(key, (entry, ()))
    if known.name != entry.name:
        raise ValueError(f"{' '.join(key)!r} names both {known.name} and {entry.name}")
    table[key] = (entry, spellings + (spelling,))


@lru_cache(maxsize=None)
def _corpus_phrases() -> frozenset[str]:
    """Folded 2- to 4-syllable phrases of the plans: ordinary wording, never a typo.

    A near miss of a name that the plans themselves use ("quản trị" for Quảng Trị)
    is a word of the language, not a misspelling.
    """
    plans_dir = settings.project_path(settings.get("index", "plans_dir", "data/plans"))
    phrases: set[str] = set()
    for path in sorted(plans_dir.glob("*.txt")):
        words = [fold(word) for word in _TOKEN.findall(path.read_text(encoding="utf-8"))]
        for size in (2, 3, 4):
            phrases.update(" ".join(words[k:k + size]) for k in range(len(words) - size + 1))
    return frozenset(phrases)


# ---------------------------------------------------------------------- matching

@dataclass(frozen=True)
class _Token:
    text: str
    folded: str
    start: int
    end: int
    sentence_start: bool  # first token, or after . ! ? : ; or a line break
    tight: bool           # only spaces or hyphens since the previous token

    @property
    def plain(self) -> bool:
        """Typed without diacritics: then it may stand for any accented syllable."""
        return fold(self.text) == self.text.lower()

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _tokenize(text: str) -> list[_Token]:
    tokens, previous_end = [], 0
    for match in _TOKEN.finditer(text):
        gap = text[previous_end:match.start()]
        tokens.append(_Token(
            text=match.group(),
            folded=fold(match.group()),
            start=match.start(),
            end=match.end(),
            sentence_start=not tokens or bool(_SENTENCE_BREAK.search(gap)),
            tight=bool(tokens) and _NAME_GAP.fullmatch(gap) is not None,
        ))
        previous_end = match.end()
    return tokens


def _without_tone(syllable: str) -> str:
    """Letters and vowel qualities (â, ơ, đ...) without the tone mark."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))


def _accent_key(syllable: str) -> str:
    """Syllable with its tone mark moved to the end, so "hòa" == "hoà"."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    return _without_tone(syllable) + "".join(ch for ch in decomposed if ch in _TONE_MARKS)


def _agrees(token: _Token, syllable: str) -> bool:
    """Same letters; same diacritics too unless the token was typed without any."""
    if token.folded != fold(syllable):
        return False
    return token.plain or _accent_key(token.text) == _accent_key(syllable)


def _one_word(window: list[_Token]) -> bool:
    return all(token.tight for token in window[1:])


def _phrase_at(tokens: list[_Token], start: int, phrase: tuple[str, ...]) -> bool:
    window = tokens[start:start + len(phrase)]
    return len(window) == len(phrase) and _one_word(window) and all(map(_agrees, window, phrase))


def _masked_positions(tokens: list[_Token], gazetteer: _Gazetteer) -> set[int]:
    """Tokens that belong to ordinary compounds ("nội dung", "an toàn")."""
    masked = set()
    for start in range(len(tokens)):
        for compound in gazetteer.compounds:
            if _phrase_at(tokens, start, compound):
                masked.update(range(start, start + len(compound)))
    return masked


def _has_prefix(tokens: list[_Token], start: int, gazetteer: _Gazetteer) -> bool:
    return any(
        start >= len(prefix) and tuple(t.folded for t in tokens[start - len(prefix):start]) == prefix
        for prefix in gazetteer.prefixes
    )


def _spelt_like(window: list[_Token], spellings: tuple) -> bool:
    """Diacritics the user typed match the letters of one spelling (tones aside).

    Tones are forgiven (people mistype them; false friends catch the real words), but
    letters and vowel qualities are not: "hằng năm định kỳ" does not name Nam Định.
    """
    return any(
        len(spelling) == len(window)
        and all(t.plain or _without_tone(t.text) == _without_tone(s) for t, s in zip(window, spelling))
        for spelling in spellings
    )


def _written_as_name(tokens: list[_Token], start: int, end: int) -> bool:
    """Capitalised, and not the tail of a longer capitalised run (a person's name)."""
    if not all(token.capitalised for token in tokens[start:end]):
        return False
    previous = tokens[start - 1] if start else None
    return tokens[start].sentence_start or not previous.capitalised or previous.sentence_start


def _is_false_friend(window: list[_Token], entry: _Entry) -> bool:
    """Written with the diacritics of an ordinary word ("diễn biến", "hai phòng")."""
    if all(token.plain for token in window):
        return False
    return any(len(word) == len(window) and all(map(_agrees, window, word))
               for word in entry.false_friends)


def _acceptable(tokens, start: int, end: int, entry: _Entry, spellings, gazetteer, masked) -> bool:
    """Whether tokens[start:end], which fold to a spelling of `entry`, name the place."""
    window = tokens[start:end]
    if not _one_word(window) or not _spelt_like(window, spellings):
        return False
    prefixed = _has_prefix(tokens, start, gazetteer)
    if not prefixed and masked.intersection(range(start, end)):
        return False
    if _is_false_friend(window, entry):
        return False
    return not entry.ambiguous or prefixed or _written_as_name(tokens, start, end)


def _with_old_marker(tokens, end: int, entry: _Entry, gazetteer: _Gazetteer) -> _Entry:
    """'Đồng Tháp cũ' is the old province (no plan), not today's Đồng Tháp."""
    namesake = gazetteer.old_namesakes.get(entry.name)
    if namesake and any(_phrase_at(tokens, end, marker) for marker in gazetteer.old_markers):
        return namesake
    return entry


def _exact_matches(tokens, gazetteer: _Gazetteer, masked: set[int]) -> list:
    """Longest exact (folded) matches, left to right, without overlaps."""
    matches, start = [], 0
    while start < len(tokens):
        for size in range(min(gazetteer.max_syllables, len(tokens) - start), 0, -1):
            key = tuple(t.folded for t in tokens[start:start + size])
            found = gazetteer.exact.get(key)
            units = gazetteer.divisions.get(key)
            # "huyện Thạnh Hóa", "xã Phú Thọ": the kind said before the name is a
            # district's or a commune's, so such a unit wins over a province's name
            division = units and _named_kind(tokens, start, gazetteer) and \
                _division_entry(tokens, start, start + size, units, gazetteer, masked)
            if division:
                entry = division
            elif found and _acceptable(tokens, start, start + size, *found, gazetteer, masked):
                entry = _with_old_marker(tokens, start + size, found[0], gazetteer)
            else:
                entry = units and _division_entry(tokens, start, start + size, units, gazetteer, masked)
            if entry:
                matches.append((start, start + size, entry))
                start += size
                break
        else:
            start += 1
    return matches


def _named_kind(tokens, start: int, gazetteer: _Gazetteer) -> bool:
    """A kind of district or commune (not "thành phố", which names provinces too) is
    written right before tokens[start]."""
    kinds = _division_kinds(tokens, start, gazetteer)
    return bool(kinds) and PROVINCE_CITY not in kinds


def _division_kinds(tokens, start: int, gazetteer: _Gazetteer) -> frozenset | None:
    """Kinds named right before tokens[start] ("xã", "thị xã", "phuong"), None if none."""
    for prefix, kinds in gazetteer.division_prefixes:
        if start >= len(prefix) and _phrase_at(tokens, start - len(prefix), prefix):
            return kinds
    return None


def _division_entry(tokens, start: int, end: int, units: tuple, gazetteer: _Gazetteer, masked) -> _Entry | None:
    """The district or commune that tokens[start:end] name, or None.

    With its kind before it ("xã Tân Phú") any unit of that kind; without, only a former
    district of two syllables or more that is neither blocklisted, nor part of an ordinary
    compound, nor wording of the plans. Today's communes win over former ones of the same
    name; diacritics typed must agree with the name's letters."""
    window = tokens[start:end]
    if not _one_word(window):
        return None
    kinds = _division_kinds(tokens, start, gazetteer)
    if kinds is not None:
        chosen = [u for u in units if u.kind in kinds]
        if _plain_prefix(tokens, start) and _ordinary_after_prefix(tokens, start, end):
            return None          # "ở xa trung tâm" (far from the centre), not "ở xã Trung Tâm"
    else:
        folded = " ".join(t.folded for t in window)
        if tuple(t.folded for t in window) in gazetteer.exact:
            return None          # a province's name ("hải dương học"): the province's rules decide
        if len(window) < 2 or masked.intersection(range(start, end)) or \
                folded in gazetteer.unprefixed_blocklist or folded in _corpus_phrases():
            return None
        if all(t.plain for t in window) and not _after_locative(tokens, start):
            return None          # "doi cu chi nghe goi" is "đời cũ chỉ nghe gọi", not Củ Chi
        chosen = [u for u in units if u.level == "district"]
    chosen = [u for u in chosen if _spelt_like(window, (u.syllables,))]
    exact = [u for u in chosen if all(map(_agrees, window, u.syllables))]
    chosen = exact or chosen
    chosen = [u for u in chosen if u.level != "former_ward"] or chosen
    return _merged(chosen) if chosen else None


# Words after which a name typed without diacritics and without its kind is read as a
# place ("toi o dong xoai", "nha tai ben cat"); elsewhere such syllables are too often
# ordinary words for a district's name to be taken from them.
LOCATIVES = frozenset({"o", "tai", "thuoc"})


def _after_locative(tokens, start: int) -> bool:
    return start > 0 and tokens[start - 1].folded in LOCATIVES


def _plain_prefix(tokens, start: int) -> bool:
    return start > 0 and tokens[start - 1].plain


def _ordinary_after_prefix(tokens, start: int, end: int) -> bool:
    """The name is wording of the plans, and the plans never write it after the word
    typed before it: "xa trung tam" is "xa trung tâm", while "xa tan phu" may be a commune."""
    phrases = _corpus_phrases()
    name = " ".join(t.folded for t in tokens[start:end])
    return name in phrases and f"{tokens[start - 1].folded} {name}" not in phrases


def _merged(units) -> _Entry:
    """One entry for the units a name may mean. One unit (or several of one former
    province, as a district and its town): its note and plans. Several: a note naming
    their provinces (and asking which), the plans of all of them when two or more (the
    router then asks which), else none: a commune of one province is not covered by
    another's plan."""
    first = units[0]
    plan_ids = tuple(dict.fromkeys(p for u in units for p in u.plan_ids))
    where = list(dict.fromkeys(u.today for u in units))
    formers = list(dict.fromkeys(p for u in units for p in u.former))
    if len({u.former for u in units}) == 1:
        note = first.note
    else:
        places = [_province_full(t) for t in where] if len(where) > 1 else [_province_full(f) for f in formers]
        note = _localities()["note_templates"]["shared"].format(
            Kind=first.kind[:1].upper() + first.kind[1:], name=first.name, units=", ".join(places))
        if len(plan_ids) < 2:
            plan_ids = ()
    name = f"{first.kind[:1].upper()}{first.kind[1:]} {first.name}" if first.name.isdigit() else first.name
    return _Entry(name, LOCALITY, plan_ids, note, today=tuple(where), former=tuple(formers),
                  candidates=tuple(units))


def _narrowed(matches: list, gazetteer: _Gazetteer) -> list:
    """A district or commune whose name several provinces share, named with one of them
    ("xã Tân Phú, Đồng Nai"; "Châu Thành, Tiền Giang"), is that province's; and a province
    named beside a district or commune of its own gives way to it: the smaller unit says
    which plans apply (a commune of the old Đồng Nai is not covered by Bình Phước's plan)."""
    provinces = {fold(entry.name): k for k, (_, _, entry) in enumerate(matches) if entry.status != LOCALITY}
    if not provinces or not any(entry.candidates for _, _, entry in matches):
        return matches
    absorbed, out = set(), []
    for start, end, entry in matches:
        if entry.status == LOCALITY and entry.candidates:
            inside = [u for u in entry.candidates
                      if any(fold(name) in provinces for name in (u.today, *u.former))]
            if inside:
                entry = _merged(inside)
                absorbed.update(provinces[fold(name)] for u in inside for name in (u.today, *u.former)
                                if fold(name) in provinces)
        out.append((start, end, entry))
    return [match for k, match in enumerate(out) if k not in absorbed]


def _typo_matches(tokens, gazetteer: _Gazetteer, taken: set[int]) -> list:
    """Names misspelt by one edit in one syllable ("tien giag", "binh phuc").

    Only for long syllables of long names, only when exactly one place is that close,
    never for a phrase the plans use or the blocklist names, never across punctuation
    or a token already matched.
    """
    matches: list = []
    for size in range(gazetteer.max_syllables, 1, -1):
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            window = tokens[start:start + size]
            if taken.intersection(span) or not _one_word(window):
                continue
            folded = tuple(token.folded for token in window)
            entry = _single_near_entry(folded, gazetteer)
            if entry and _plausible_typo(folded, gazetteer):
                matches.append((start, start + size, entry))
                taken = taken | set(span)
    return matches


def _single_near_entry(window: tuple[str, ...], gazetteer: _Gazetteer) -> _Entry | None:
    near = {}
    for position, syllable in enumerate(window):
        signature = window[:position] + ("*",) + window[position + 1:]
        for expected, entry in gazetteer.fuzzy.get(signature, ()):
            if _typo_of(syllable, expected):
                near[entry.name] = entry
    return next(iter(near.values())) if len(near) == 1 else None


def _typo_of(syllable: str, expected: str) -> bool:
    """One edit away from a long syllable of the name, keeping its first letter."""
    return (len(expected) >= MIN_TYPO_SYLLABLE and syllable[:1] == expected[:1]
            and _one_edit_apart(syllable, expected))


def _plausible_typo(window: tuple[str, ...], gazetteer: _Gazetteer) -> bool:
    phrase = " ".join(window)
    return phrase not in gazetteer.typo_blocklist and phrase not in _corpus_phrases()


def _one_edit_apart(a: str, b: str) -> bool:
    """Exactly one insertion, deletion or substitution turns `a` into `b`."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return a[k + 1:] == b[k + 1:] if len(a) == len(b) else a[k:] == b[k + 1:]
    return True  # b is a plus one trailing letter
