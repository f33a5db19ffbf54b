"""Command line of the index package.

    python -m index show facts|duties|documents|plans [--json] [--province P]
"""
import argparse
import sys

from index import show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index")
    commands = parser.add_subparsers(dest="command", required=True)

    show_parser = commands.add_parser("show", help="print the structured knowledge of the plans")
    show_parser.add_argument("what", choices=show.WHAT)
    show_parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    show_parser.add_argument("--province", help="only this province (with or without diacritics)")

    args = parser.parse_args(argv)
    if args.command == "show":
        return show.run(args.what, args.json, args.province)
    return 2


if __name__ == "__main__":
    sys.exit(main())
