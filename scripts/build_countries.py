"""Generate chalicelib/data/countries.json from pycountry's ISO 3166-1 data in Spanish.

pycountry is a build-time dependency only: it weighs 23 MB, which the Lambda package and its
cold start would pay for on every call to read 249 names. tests/api/test_catalogs.py checks that the
committed file still equals this script's output.
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "chalicelib" / "data" / "countries.json"


def build() -> list[dict[str, str]]:
    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    countries = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    return [{"code": c.alpha_2, "name": spanish.gettext(c.name)} for c in countries]


def render() -> str:
    source = f"pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else ''}"
    doc = {"source": source.strip() + " (ISO 3166-1, Spanish)", "items": build()}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
