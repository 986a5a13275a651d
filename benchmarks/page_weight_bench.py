"""JavaScript each page makes the browser load, gzip, against a bare Reflex page built in the same run.

Builds the production front end (``reflex export --frontend-only``) of a bare Reflex app (one page,
one state, the same Radix theme plugin and the same locked front-end packages), of the code before
(``--before-ref``) and after (``--after-ref``, default HEAD; ``tree`` for the working tree). For each
page it counts what a first visit loads before rendering: the entry, the root layout, the page's own
module and everything they import statically (React Router's manifest, then the chunks' own
``import`` statements); chunks loaded lazily (a chart's library on first render) are not counted.
Also names the big shared chunk's contents: recharts, react-dropzone and the WebRTC component should
only be in the pages that show them.

    .venv/bin/python benchmarks/page_weight_bench.py [--before-ref 9d45ecd] [--after-ref HEAD]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ENVIRONMENT", "development")

import benchlib as bl

BEFORE_REF = "9d45ecd"
PAGES = [
    ("live interview", "[interview].$[session_id]"),
    ("interview set-up", "[interview]._index"),
    ("dashboard", "[dashboard]"),
    ("landing", "routes/_index"),
    ("history", "[history]"),
    ("feedback", "[feedback]"),
    ("admin usage", "[admin].[usage]"),
]
MARKERS = {
    "recharts": ("recharts", "RechartsResponsiveContainer", "recharts-wrapper"),
    "react-dropzone": ("useDropzone", "file-invalid-type"),
    "WebRTC component": ("oai-events", "webrtc-exchange"),
}
GOAL = 1.25


def contents(client: Path, files: list[str]) -> list[str]:
    text = "".join((client / "assets" / f).read_text(errors="replace") for f in files)
    return [name for name, needles in MARKERS.items() if any(n in text for n in needles)]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before-ref", default=BEFORE_REF)
    parser.add_argument("--after-ref", default="HEAD", help="a git ref, or 'tree' for the working tree")
    parser.add_argument("--skip-before", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vocahire-pages-") as tmp:
        builds: list[tuple[str, Path]] = []
        bare = Path(tmp) / "bare"
        bl.write_bare_app(bare)
        if not args.skip_before:
            before = Path(tmp) / "before"
            builds.append((f"before {bl.archive(args.before_ref, before)}", before))
        after = Path(tmp) / "after"
        if args.after_ref == "tree":
            bl.copy_tree(after)
            builds.append(("after (tree)", after))
        else:
            builds.append((f"after {bl.archive(args.after_ref, after)}", after))
        env_app = {"ENVIRONMENT": "development", "APP_URL": "http://localhost:3000"}
        bare_client = bl.export_frontend(bare, bl.reflex_env(bare, env_app))
        bare_gz, bare_raw, bare_files = bl.route_js(bare_client, bl.find_route(bare_client, "[interview].$"))
        print(
            f"bare Reflex page: {bare_gz / 1024:.0f} KB gzip"
            f" ({bare_raw / 1024:.0f} KB raw, {len(bare_files)} files)"
        )
        for label, workdir in builds:
            client = bl.export_frontend(workdir, bl.reflex_env(workdir, env_app))
            print(f"\n{label}: JavaScript loaded by a first visit, gzip (goal <= {GOAL:.2f}x the bare page)")
            for name, fragment in PAGES:
                try:
                    gz, _raw, files = bl.route_js(client, bl.find_route(client, fragment))
                except KeyError:
                    continue
                has = ", ".join(contents(client, files)) or "-"
                print(
                    f"  {name:<18} {gz / 1024:>6.0f} KB  {len(files):>3} files  {gz / bare_gz:>5.2f}x bare"
                    f"   carries: {has}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
