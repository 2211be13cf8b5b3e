from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipeline import pack as packio
from pipeline.feature_map import build_maps


class Command(BaseCommand):
    help = ("Fit the UMAP map of each source of an existing pack (maps/<source>.npy) from its decoder directions; "
            "no training, no database access. import_pack then stores it.")

    def add_arguments(self, parser):
        parser.add_argument("--pack", default="packs/demo", help="pack directory (pack.json, model/, saes/)")
        parser.add_argument("--source", action="append", default=[], help="only this source slug (repeatable)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **opts):
        pack_dir = Path(opts["pack"])
        try:
            meta = packio.read_pack(pack_dir)
        except packio.PackError as e:
            raise CommandError(str(e)) from e
        unknown = sorted(set(opts["source"]) - {s.slug for s in meta.sources})
        if unknown:
            raise CommandError(f"pack {meta.name!r} has no source {unknown} (has: {[s.slug for s in meta.sources]})")
        for slug, seconds in build_maps(pack_dir, opts["source"] or None, seed=opts["seed"]).items():
            self.stdout.write(f"{slug}: map written in {seconds} s")
