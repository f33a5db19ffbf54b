"""The catalogue of plan documents (data/plans/catalog.yml)."""
from dataclasses import dataclass
from pathlib import Path

import yaml

from core import settings


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
        """How answers name the document: its number when it has one, else its title."""
        if self.number:
            return f"Kế hoạch số {self.number}"
        draft = " (dự thảo)" if self.status == "draft" else ""
        return f"Kế hoạch phát triển hạ tầng số tỉnh {self.province}{draft}"


def plans_dir() -> Path:
    return settings.project_path(settings.get("index", "plans_dir"))


def load_catalog(directory: Path | None = None) -> tuple[PlanInfo, ...]:
    """Read afresh on every call (a few ms): an operator may add a plan at any time."""
    directory = directory or plans_dir()
    with open(directory / "catalog.yml", encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["plans"]
    fields = PlanInfo.__dataclass_fields__
    return tuple(PlanInfo(**{name: str(entry.get(name) or "") for name in fields})
                 for entry in entries)


def plan_info(plan_id: str, directory: Path | None = None) -> PlanInfo:
    for info in load_catalog(directory):
        if info.id == plan_id:
            return info
    raise KeyError(f"no plan with id {plan_id!r} in the catalogue")
