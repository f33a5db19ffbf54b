"""Split plans into retrieval chunks along the section tree.

A chunk never spans two sections, and it carries its province, document and section
path: the five plans share one ministry template, so "2. Mạng viễn thông băng rộng cố
định" exists five times and only that context tells the twins apart. The context is
part of the text that is embedded and keyword-indexed.
"""
import hashlib
import re
from dataclasses import asdict, dataclass

from index.plans.sections import Plan, Section
from index.plans.source import Source

MAX_CHARS = 900            # a few bullets of a plan; e5-small reads 512 tokens at most
_SKIPPED_STYLES = ("end",)   # "Nơi nhận" and the closing formula hold no answers


@dataclass(frozen=True)
class Chunk(Source):
    """A piece of one section (its source: the section and its first line and page)."""
    id: str                  # "<plan>:<anchor>:<n>"
    heading: str             # the section's own heading
    text: str

    @property
    def context(self) -> str:
        return f"Tỉnh {self.province} — {self.document} — {self.section}"

    @property
    def indexed_text(self) -> str:
        """What is embedded and keyword-indexed: context first, then the text."""
        return f"{self.context}\n{self.text}"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.indexed_text.encode("utf-8")).hexdigest()[:16]

    def as_dict(self) -> dict:
        return asdict(self)


def _pieces(text: str) -> list[str]:
    """A line longer than MAX_CHARS, cut at sentence ends (rare: long paragraphs)."""
    if len(text) <= MAX_CHARS:
        return [text]
    pieces, current = [], ""
    for sentence in re.split(r"(?<=[.;])\s+", text):
        if current and len(current) + len(sentence) + 1 > MAX_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    return pieces + ([current] if current else [])


def _section_chunks(plan: Plan, section: Section) -> list[Chunk]:
    groups: list[tuple[int, int, str]] = []      # (first line, its page, text)
    for line in section.lines:
        for piece in _pieces(("- " if line.bullet else "") + (f"{line.marker} " if line.marker else "") + line.text):
            if groups and len(groups[-1][2]) + len(piece) + 1 <= MAX_CHARS:
                groups[-1] = (*groups[-1][:2], f"{groups[-1][2]}\n{piece}")
            else:
                groups.append((line.number, line.page, piece))
    return [Chunk(id=f"{plan.id}:{section.anchor}:{n}", plan=plan.id, province=plan.info.province,
                  document=plan.info.document, section=section.path_text, heading=section.heading,
                  anchor=section.anchor, line=first, page=page, text=text)
            for n, (first, page, text) in enumerate(groups)]


def chunk_plan(plan: Plan) -> list[Chunk]:
    chunks = []
    for section in plan.sections():
        if section.style in _SKIPPED_STYLES or not section.lines:
            continue
        chunks.extend(_section_chunks(plan, section))
    return chunks
