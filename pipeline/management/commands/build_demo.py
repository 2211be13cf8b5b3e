from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipeline.build_demo import DemoSettings, build_demo


class Command(BaseCommand):
    help = "Train the demo model, its SAEs and feature records, and write the demo pack (no database access)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="packs/demo", help="pack directory to write (replaced)")
        parser.add_argument("--seed", type=int, default=0)
        for f in fields(DemoSettings):
            flag = f"--{f.name.replace('_', '-')}"
            if f.name == "sources":
                parser.add_argument(flag, type=lambda v: tuple(x.strip() for x in v.split(",") if x.strip()),
                                    default=None, help="comma-separated corpus parts (default: all)")
            elif f.default is None:
                parser.add_argument(flag, type=int, default=None)
            else:
                parser.add_argument(flag, type=type(f.default), default=f.default)

    def handle(self, *args, **opts):
        try:
            settings = DemoSettings(**{f.name: opts[f.name] for f in fields(DemoSettings)})
        except ValueError as e:
            raise CommandError(str(e)) from e
        meta = build_demo(Path(opts["out"]), seed=opts["seed"], settings=settings, progress=opts["verbosity"] > 0)
        self.stdout.write(self.style.SUCCESS(
            f"pack written to {opts['out']} in {meta['build_seconds']:.0f} s; "
            f"validation loss {meta['model']['validation_loss']:.3f}"))
        for s in meta["sources"]:
            self.stdout.write(f"  {s['slug']}: {s['metrics']}")
