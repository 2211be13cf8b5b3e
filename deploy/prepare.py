"""What a deployment runs once before its processes start (as scripts/start does), in one Python
process so Django loads once: migrate, collectstatic, then optionally import a pack as the
`demo` campaign and plant its check features.

    python -m deploy.prepare [--pack packs/demo] [--no-plant] [--no-score]
"""

from __future__ import annotations

import argparse
import os
import time


def prepare(pack: str | None, *, plant: bool = True, score: bool = True) -> None:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
    django.setup()
    steps = [("migrate", lambda: call_command("migrate", interactive=False, verbosity=0)),
             ("collectstatic", lambda: call_command("collectstatic", interactive=False, verbosity=0))]
    if pack:
        no_score = {} if score else {"no_score": True}
        steps.append(("import_pack", lambda: call_command("import_pack", pack, campaign="demo", **no_score)))
        if plant:
            steps.append(("plant_features", lambda: call_command("plant_features", pack, **no_score)))
    for name, step in steps:
        t = time.monotonic()
        step()
        print(f"{name}: {time.monotonic() - t:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack", default=None, help="pack directory to import (none: only migrate and collect)")
    parser.add_argument("--no-plant", action="store_true", help="do not plant check features")
    parser.add_argument("--no-score", action="store_true", help="queue no scoring of baseline or planted explanations")
    args = parser.parse_args(argv)
    prepare(args.pack, plant=not args.no_plant, score=not args.no_score)


if __name__ == "__main__":
    main()
