"""All structured knowledge of the corpus, extracted once per process.

This is what the actions answer targets, status values, duties and document facts
from; `python -m index show ...` prints the same records.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.plans.catalog import plans_dir
from index.plans.document_facts import DocumentFact, extract_document_facts
from index.plans.duties import DutyRecord, extract_duties
from index.plans.sections import Plan, load_plans
from index.plans.values import ValueRecord, extract_values


@dataclass
class Knowledge:
    plans: list[Plan]
    errors: list[str]            # one message per plan file that failed to parse
    values: list[ValueRecord]
    duties: list[DutyRecord]
    document_facts: list[DocumentFact]

    def plan(self, plan_id: str) -> Plan | None:
        return next((plan for plan in self.plans if plan.id == plan_id), None)


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """The knowledge of the plans in `directory` (default: index.plans_dir), parsed once
    per process; `read_knowledge` parses afresh."""
    return _load_knowledge(directory or plans_dir())


@lru_cache(maxsize=None)
def _load_knowledge(directory: Path) -> Knowledge:
    return read_knowledge(directory)


def read_knowledge(directory: Path | None = None) -> Knowledge:
    """Parse every catalogued plan now (about 1 s for the five plans); a plan that fails
    to parse is named in `errors`, the others are kept."""
    plans, errors = load_plans(directory or plans_dir())
    return Knowledge(
        plans=plans, errors=errors,
        values=[record for plan in plans for record in extract_values(plan)],
        duties=[record for plan in plans for record in extract_duties(plan)],
        document_facts=[fact for plan in plans for fact in extract_document_facts(plan)])
