"""Where a record was read: the one source type every record of the index carries
(target and status values, duties, document facts, clauses, chunks and search hits, the
answer units' facts).

A citation is built from it alone (actions/reply.py `record_source`): the document and
its province, the section (its path of headings and its anchor on the plan page), the
source line and the printed page, and for a fact that is not a plan its URL and the date
until which it holds.
"""
from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True)
class Source:
    plan: str = ""          # plan id (data/plans/catalog.yml); "" for a fact outside the plans
    province: str = ""      # province the plan was written for, as the catalogue names it
    document: str = ""      # the document's title
    section: str = ""       # path of headings, "VI. TỔ CHỨC THỰC HIỆN › 1. Sở ..."
    anchor: str = ""        # the section's anchor on the plan page (/plans/<plan>#<anchor>)
    line: int = 0           # source line number (1-based); 0: the whole section or none
    page: int = 0           # printed page; 0 when the file has no pages
    url: str = ""           # the public page of a fact that is not a plan
    valid_until: str = ""   # ISO date until which the fact holds; "" when open-ended

    @property
    def source(self) -> "Source":
        """Just the source fields of this record."""
        return Source(**{f.name: getattr(self, f.name) for f in fields(Source)})
