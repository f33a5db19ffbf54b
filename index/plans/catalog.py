"""The catalogue of plan documents (data/plans/catalog.yml), and which plan is current.

A plan has a period ("2023 - 2025", "đến năm 2025", "2025, định hướng đến năm 2030")
and a status (issued or draft). Its standing on a given day is one of:
    current     its period is not over and no newer plan of its unit exists
    ended       its period is over (a "2023 - 2025" plan from 1/1/2026 on)
    superseded  a newer issued plan of the same unit exists
and, apart from that, it may be a draft (status "draft": not issued).
The unit of a plan is the administrative unit that covers its province today
(data/knowledge/administrative_changes.yml: Hậu Giang and Sóc Trăng belong to Cần Thơ
since 1/7/2025), so Cần Thơ's 2025–2030 plan supersedes both 2023–2025 plans.
"""
import datetime
import re
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

import yaml

from core import knowledge, settings
from core.regions import corpus_changes, is_corpus_plan, today_unit_of_plan
from core.text import fold


@dataclass(frozen=True)
class PlanInfo:
    id: str
    file: str
    province: str
    title: str
    number: str
    date: str
    period: str
    status: str
    signer: str
    signer_title: str

    @property
    def document(self) -> str:
        """How answers name the document: its number when it has one, else its title
        (the words: data/knowledge/plan_words.yml)."""
        words = knowledge.load("plan_words.yml")["document"]
        if self.number:
            return words["numbered"].format(number=self.number)
        draft = words["draft_mark"] if self.status == "draft" else ""
        return words["unnumbered"].format(province=self.province, draft=draft)


def plans_dir() -> Path:
    return settings.project_path(settings.get("index", "plans_dir"))


_read: dict[Path, tuple[tuple[int, int, int], tuple[PlanInfo, ...]]] = {}


def load_catalog(directory: Path | None = None) -> tuple[PlanInfo, ...]:
    """The entries of `directory`/catalog.yml (default: the configured plans folder), read
    again whenever the file changed (inode, modification time or size): an operator may publish
    a plan at any time, and the admin page replaces the file as a whole. Parsing it on
    every question cost ~6 % of the action server's time."""
    path = (directory or plans_dir()) / "catalog.yml"
    stat = path.stat()
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _read.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["plans"]
    fields = PlanInfo.__dataclass_fields__
    catalog = tuple(PlanInfo(**{name: str(entry.get(name) or "") for name in fields}) for entry in entries)
    _read[path] = (stamp, catalog)
    return catalog


def plan_info(plan_id: str, directory: Path | None = None) -> PlanInfo:
    for info in load_catalog(directory):
        if info.id == plan_id:
            return info
    raise KeyError(f"no plan with id {plan_id!r} in the catalogue")


def published_plans_of(places, catalog: tuple[PlanInfo, ...] | None = None) -> list:
    """`places` (core.regions.Place) with the plans published in `catalog` (default: the
    catalogue, read afresh): a plan no longer catalogued (removed on the admin page) is
    dropped from its place, and a place the reorganisation data gives no plan gets the
    catalogued plans of a province of that name (a plan published for a new province)."""
    from dataclasses import replace

    catalog = load_catalog() if catalog is None else catalog
    published = {info.id for info in catalog}
    out = []
    for place in places:
        plan_ids = tuple(plan_id for plan_id in place.plan_ids if plan_id in published)
        # the place's own name, or a former province it lay in: that province's plans;
        # today's province of a former province, district or commune: its plans made
        # after the reorganisation (they cover the whole unit, Đắk Nông in Lâm Đồng's).
        # A name several provinces share gets neither until the province is named.
        located = len(place.today) == 1
        names = {fold(place.name), *(map(fold, place.former) if located else ())}
        today = set(map(fold, place.today)) if located else set()
        plan_ids += tuple(info.id for info in catalog if info.id not in plan_ids and (
            fold(info.province) in names or (fold(info.province) in today and covers_today_unit(info))))
        plan_ids = answering_plans(plan_ids, catalog)
        out.append(place if plan_ids == place.plan_ids else replace(place, plan_ids=plan_ids))
    return out


def covers_today_unit(info: PlanInfo) -> bool:
    """Whether a plan was made for its province as it is since the reorganisation
    (administrative_changes.yml `reorganisation.effective`, 1/7/2025), so that it covers
    the former provinces merged into it: not a plan of the corpus table (written for a
    former province), and dated on or after that day, or with a period starting the
    year after; a plan with no date at all is taken as today's."""
    if is_corpus_plan(info.id):
        return False
    effective = str(corpus_changes()["reorganisation"]["effective"])
    if not info.date:
        return True
    if len(info.date) >= 7:
        return info.date[:10] >= effective[:len(info.date[:10])]
    start, _ = plan_period(info)
    return start is not None and start > int(effective[:4])


@lru_cache(maxsize=256)
def answering_plans(plan_ids: tuple[str, ...], catalog: tuple[PlanInfo, ...]) -> tuple[str, ...]:
    """`plan_ids` without those replaced by another of them for a later period: Cần Thơ's
    2025–2030 plan answers for Cần Thơ, not the 2023–2025 plans of the former Sóc Trăng
    and Hậu Giang it supersedes (their standing says so when they are asked by name).
    Cached: it runs on every question, its answer depends on its arguments only (which
    plan supersedes which does not depend on the date), and load_catalog returns the same
    tuple until catalog.yml changes."""
    by_id = {info.id: info for info in catalog}
    kept = []
    for plan_id in plan_ids:
        info = by_id.get(plan_id)
        newer = plan_standing(info, catalog).superseded_by if info else None
        replaced = newer is not None and newer.id in plan_ids and \
            (plan_period(newer)[0] or 0) > (plan_period(info)[0] or 0)
        if not replaced:
            kept.append(plan_id)
    return tuple(kept)


# The orientation ("định hướng đến năm 2030") is not part of a plan's period.
_ORIENTATION = re.compile(r",?\s*định hướng.*$", re.I)


def plan_period(info: PlanInfo) -> tuple[int | None, int | None]:
    """(first year, last year) of a plan's period; the first year of an "đến năm 2025"
    plan is the year of its date. A plan "năm 2025, định hướng đến năm 2030" sets targets
    up to 2030, so its last year is 2030. None where neither says."""
    main = [int(year) for year in re.findall(r"20\d\d", _ORIENTATION.sub("", info.period))]
    every = [int(year) for year in re.findall(r"20\d\d", info.period)]
    dated = re.match(r"(20\d\d)", info.date)
    start = main[0] if len(main) > 1 else (int(dated.group(1)) if dated else (main[0] if main else None))
    return start, every[-1] if every else None


def plan_unit(info: PlanInfo) -> str:
    """The unit that covers the plan's province today (the province itself for a plan
    of a unit that did not change or is not in the corpus), folded."""
    try:
        return fold(today_unit_of_plan(info.id))
    except KeyError:
        return fold(info.province)


@dataclass(frozen=True)
class Standing:
    code: str                 # current, ended or superseded (see the module docstring)
    draft: bool               # not issued: a draft sent for comments
    period: str               # the plan's period as the catalogue writes it
    superseded_by: PlanInfo | None = None


def _newer(candidate: PlanInfo, info: PlanInfo) -> bool:
    """An issued plan of the same unit whose period starts later (or, same start, dated later)."""
    return (candidate.id != info.id and candidate.status == "issued"
            and plan_unit(candidate) == plan_unit(info)
            and (plan_period(candidate)[0] or 0, candidate.date) > (plan_period(info)[0] or 0, info.date))


def plan_standing(info: PlanInfo, catalog: tuple[PlanInfo, ...] | None = None,
                  today: datetime.date | None = None) -> Standing:
    """The standing of `info` among `catalog` (default: the published catalogue) on
    `today` (default: the machine's date). A period "2023 - 2025" is over from the
    first day of 2026."""
    catalog = load_catalog() if catalog is None else catalog
    today = today or datetime.date.today()
    draft = info.status != "issued"
    newer = sorted((other for other in catalog if _newer(other, info)),
                   key=lambda other: (plan_period(other)[0] or 0, other.date))
    if newer:
        return Standing("superseded", draft, info.period, newer[-1])
    end = plan_period(info)[1]
    if end is not None and end < today.year:
        return Standing("ended", draft, info.period)
    return Standing("current", draft, info.period)


_PREFERENCE = ("current", "ended", "superseded")


def preferred_plans(plan_ids: list[str] | tuple[str, ...], catalog: tuple[PlanInfo, ...] | None = None,
                    today: datetime.date | None = None) -> list[str]:
    """`plan_ids` ordered as answers should use them: current plans first, then plans
    whose period ended, superseded plans last; issued before draft within each (stable
    otherwise). Ids missing from the catalogue go last."""
    catalog = load_catalog() if catalog is None else catalog
    by_id = {info.id: info for info in catalog}

    def rank(plan_id: str) -> tuple[int, bool]:
        if plan_id not in by_id:
            return len(_PREFERENCE), True
        standing = plan_standing(by_id[plan_id], catalog, today)
        return _PREFERENCE.index(standing.code), standing.draft

    return sorted(plan_ids, key=rank)
