"""The plans, the public face: what actions/, bot/, scripts/ and tests import.

- The catalogue (data/plans/catalog.yml): `PlanInfo`, `load_catalog`, `plan_info`,
  `plans_dir`, `published_plans_of`, `answering_plans`, `plan_standing`,
  `preferred_plans`, `plan_period`, `plan_unit`, `covers_today_unit` (catalog.py).
- The parsed plan: `Plan`, `Section`, `Line`, `load_plans`, `read_plan`, `parse_plan`,
  `PlanParseError` (sections.py, readers.py).
- The structured knowledge: `Knowledge`, `load_knowledge`, `read_knowledge`
  (knowledge.py) and its records `ValueRecord`, `DutyRecord`, `Duty`, `DocumentFact`,
  `Clause` / `plan_clauses` (values.py, duties.py, document_facts.py, passages.py),
  each carrying its `Source` (source.py).
- Records reached by the plan's own words: `best_matches`, `share`, `value_words`,
  `duty_words` (phrases.py).

Names are imported on first use (PEP 562), so the catalogue alone does not load the
document readers.
"""
from importlib import import_module

_HOMES = {
    "PlanInfo": "catalog", "load_catalog": "catalog", "plan_info": "catalog",
    "plans_dir": "catalog", "published_plans_of": "catalog", "answering_plans": "catalog",
    "plan_standing": "catalog", "preferred_plans": "catalog", "plan_period": "catalog",
    "plan_unit": "catalog", "covers_today_unit": "catalog",
    "Plan": "sections", "Section": "sections", "Line": "sections", "load_plans": "sections",
    "read_plan": "sections", "parse_plan": "sections",
    "PlanParseError": "readers",
    "Knowledge": "knowledge", "load_knowledge": "knowledge", "read_knowledge": "knowledge",
    "ValueRecord": "values", "DutyRecord": "duties", "Duty": "duties",
    "DocumentFact": "document_facts", "Clause": "passages", "plan_clauses": "passages",
    "Source": "source",
    "best_matches": "phrases", "share": "phrases", "value_words": "phrases", "duty_words": "phrases",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'index.plans' has no attribute {name!r}")
    value = getattr(import_module(f"index.plans.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
