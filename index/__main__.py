"""Command line of the index package.

    python -m index show facts|duties|documents|plans|warnings [--json] [--province P]
    python -m index preview FILE [--json]       (a .txt, .docx or .pdf plan, not published)
    python -m index build [--force]
    python -m index recover          (finish or roll back an interrupted publish, then build)
    python -m index search "câu hỏi" [--k 5] [--province P] [--mode hybrid|bm25|dense] [--json]
    python -m index search < questions.txt        (one query per line, one JSON list per line)
"""
import argparse
import json
import sys

from index import show


def _build(force: bool) -> int:
    from index.retrieval.store import build

    report = build(force=force)
    for error in report.errors:
        print(f"cảnh báo: {error}", file=sys.stderr)
    print(report.summary())
    return 0


def _recover() -> int:
    from index import publish

    outcome = publish.recover()
    print(f"publish journal: {outcome['outcome']} change {outcome['change']}" if outcome
          else "publish journal: nothing interrupted")
    return _build(False)


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps([hit.as_dict() for hit in hits], ensure_ascii=False))
        return
    for rank, hit in enumerate(hits, 1):
        print(f"{rank}. [{hit.score:.4f}] {hit.province} — {hit.section}\n   {hit.text[:200]}")


def _search(query: str | None, k: int, province: str | None, mode: str, as_json: bool) -> int:
    from index.retrieval.search import load_searcher
    from index.retrieval.store import IndexNotReady

    try:
        searcher = load_searcher()
    except IndexNotReady as error:
        print(f"lỗi: {error}", file=sys.stderr)
        return 1
    queries = [query] if query is not None else (line.rstrip("\n") for line in sys.stdin)
    batch = query is None
    for text in queries:
        if not text.strip():
            print("câu hỏi trống: hãy nhập nội dung cần tìm", file=sys.stderr)
            print("[]" if as_json or batch else "")
            continue
        scope = searcher.scope(text, province)
        if scope.note:
            print(f"phạm vi: {scope.note}", file=sys.stderr)
        _print_hits(searcher.search(text, k=k, province=province, mode=mode), as_json or batch)
        sys.stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index")
    commands = parser.add_subparsers(dest="command", required=True)

    show_parser = commands.add_parser("show", help="print the structured knowledge of the plans")
    show_parser.add_argument("what", choices=show.WHAT)
    show_parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    show_parser.add_argument("--province", help="only this province (with or without diacritics)")

    preview_parser = commands.add_parser("preview", help="what a plan file gives, without publishing it")
    preview_parser.add_argument("file", help="a .txt, .docx or .pdf plan")
    preview_parser.add_argument("--json", action="store_true", help="JSON instead of a table")

    build_parser = commands.add_parser("build", help="build or update the retrieval index")
    build_parser.add_argument("--force", action="store_true", help="re-embed everything")

    commands.add_parser("recover", help="finish an interrupted publish, then bring the index up to date")

    search_parser = commands.add_parser("search", help="search the plans")
    search_parser.add_argument("query", nargs="?", help="the question; omit to read one per line from stdin")
    search_parser.add_argument("--k", type=int, default=5)
    search_parser.add_argument("--province")
    search_parser.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    search_parser.add_argument("--json", action="store_true")

    args = parser.parse_args(argv)
    if args.command == "show":
        return show.run(args.what, args.json, args.province)
    if args.command == "preview":
        from index import preview

        return preview.run(args.file, args.json)
    if args.command == "build":
        return _build(args.force)
    if args.command == "recover":
        return _recover()
    return _search(args.query, args.k, args.province, args.mode, args.json)


if __name__ == "__main__":
    sys.exit(main())
