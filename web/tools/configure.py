#!/usr/bin/env python3
"""Point the static form at an API: writes config.js and the CSP connect-src of every page.

    python3 web/tools/configure.py --api-base-url https://abc123.execute-api.us-east-1.amazonaws.com/api
    python3 web/tools/configure.py --api-base-url http://127.0.0.1:8123 --out build/web

Without --out the files of web/ are changed in place; with --out, web/ (minus tools/) is copied
there first and only the copy is changed. Standard library only; no build step is otherwise needed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parent.parent
CSP_CONNECT = re.compile(r"(connect-src )[^;\"]*")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def configure(target: Path, api_base_url: str) -> list[Path]:
    base = api_base_url.rstrip("/")
    origin = origin_of(base)
    (target / "config.js").write_text(
        f"export const API_BASE_URL = {json.dumps(base)};\n", encoding="utf-8"
    )
    changed = [target / "config.js"]
    for page in sorted(target.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = CSP_CONNECT.sub(lambda m: f"{m.group(1)}'self' {origin}", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, help="copy web/ here and configure the copy")
    args = parser.parse_args(argv)
    target = WEB_DIR
    if args.out:
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(WEB_DIR, args.out, ignore=shutil.ignore_patterns("tools", "__pycache__"))
        target = args.out
    try:
        changed = configure(target, args.api_base_url)
    except ValueError as exc:
        print(f"configure.py: {exc}", file=sys.stderr)
        return 2
    for path in changed:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
