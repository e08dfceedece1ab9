"""``python -m tools.sql_analyzer [sql/] [-v]``: analyze every SQL file, print a line per file, exit 1 on errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .checker import check
from .sources import KINDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sql_analyzer", description=__doc__)
    parser.add_argument("sql_root", nargs="?", default="sql", type=Path, help="the sql/ folder (default: ./sql)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print parameter types and registered views and functions"
    )
    args = parser.parse_args(argv)

    report = check(args.sql_root)
    for file in report.files:
        status = "ok   " if file.ok else "ERROR"
        print(f"{status} {file.file}  ({file.statements} statements, {file.seconds:.2f} s)")
        for finding in file.findings:
            print(f"      {finding}")
        if args.verbose:
            for note in file.notes:
                print(f"      - {note}")
    for stray in report.stray_files:
        print(f"ERROR {stray}: not in an analyzed folder ({', '.join(KINDS)})")
    statements = sum(f.statements for f in report.files)
    findings = len(report.findings) + len(report.stray_files)
    print(f"{len(report.files)} files, {statements} statements, {findings} errors, {report.seconds:.1f} s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
