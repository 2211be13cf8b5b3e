from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipeline import pack as packio
from pipeline.explain_baseline import AUTHOR_MODEL, explain_source


class Command(BaseCommand):
    help = ("Rewrite explanations/<source>.jsonl of an existing pack from its feature files, vocabulary and "
            "corpus tokens with the current baseline explainer (no training, no database access).")

    def add_arguments(self, parser):
        parser.add_argument("--pack", default="packs/demo", help="pack directory (pack.json, features/, vocab.json)")
        parser.add_argument("--source", action="append", default=[], help="only this source slug (repeatable)")
        parser.add_argument("--check", action="store_true",
                            help="write nothing; exit with an error if any file is not what the explainer writes")

    def handle(self, *args, **opts):
        pack_dir = Path(opts["pack"])
        try:
            meta = packio.read_pack(pack_dir)
        except packio.PackError as e:
            raise CommandError(str(e)) from e
        wanted = opts["source"] or [s.slug for s in meta.sources]
        unknown = sorted(set(wanted) - {s.slug for s in meta.sources})
        if unknown:
            raise CommandError(f"pack {meta.name!r} has no source {unknown} (has: {[s.slug for s in meta.sources]})")
        vocab = packio.load_vocab(pack_dir)
        tokens = packio.load_corpus_tokens(pack_dir)
        stale, meta_changed = [], False
        for src in meta.sources:
            if src.slug not in wanted:
                continue
            if not src.explanations:
                src.explanations = f"explanations/{src.slug}.jsonl"
                meta_changed = True
            path = pack_dir / src.explanations
            rows = explain_source(packio.load_features(pack_dir, src.slug), tokens, vocab)
            tmp = path.with_name(path.name + ".tmp")
            packio.write_explanations(tmp, rows)
            same = path.is_file() and path.read_bytes() == tmp.read_bytes()
            if same or opts["check"]:
                tmp.unlink()
                if not same:
                    stale.append(src.slug)
                self.stdout.write(f"  {src.slug}: {'unchanged' if same else 'out of date'} ({len(rows)} features)")
                continue
            stale.append(src.slug)
            os.replace(tmp, path)
            self.stdout.write(f"  {src.slug}: wrote {path} ({len(rows)} features)")
        if meta_changed and not opts["check"]:
            raw = meta.raw
            for entry in raw["sources"]:
                if entry["slug"] in wanted and not entry.get("explanations"):
                    entry["explanations"] = f"explanations/{entry['slug']}.jsonl"
            (pack_dir / "pack.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False))
        if opts["check"] and stale:
            raise CommandError(f"baseline explanations out of date for {stale}: run write_baselines --pack {pack_dir}")
        self.stdout.write(self.style.SUCCESS(
            f"baselines ({AUTHOR_MODEL}) for {len(wanted)} source(s) of {pack_dir}: "
            f"{len(stale)} {'out of date' if opts['check'] else 'rewritten'}"))
