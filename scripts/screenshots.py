"""Screenshots of every page in both languages, for docs/screenshots/ (README links them).

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8501 [--user head] [--out docs/screenshots]

Drives Debian's Chromium against a running dashboard (./scripts/run), signed in with a demo
account; the customer page opens the first customer of the account's scope (?customer=).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from custdash.views import pages_for  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import exceptions, open_page  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--user", default="head", choices=["admin", "head", "manager"])
    parser.add_argument("--customer", help="the customer the customer page shows")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 2600}).new_page()
        for spec in pages_for(args.user):
            for lang in ("en", "zh"):
                path = "" if spec.name == "overview" else spec.name
                extra = f"&customer={args.customer}" if spec.name == "customer" and args.customer else ""
                open_page(page, f"{args.url}/{path}?lang={lang}{extra}", user=args.user)
                if exceptions(page):
                    print(f"{spec.name} {lang}: an exception on the page", file=sys.stderr)
                    return 1
                page.screenshot(path=str(out / f"{spec.name}_{lang}.png"), full_page=True)
                print(f"{spec.name}_{lang}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
