from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from game.importer import import_pack
from pipeline.pack import PackError


class Command(BaseCommand):
    help = "Load a pack (model, sources, features, records, baseline explanations) into the database. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--campaign", default=None, help="Also create this campaign over all features (active if none is).")
        parser.add_argument("--no-score", action="store_true", help="Do not queue scoring of baseline explanations.")

    def handle(self, *args, path: Path, campaign: str | None, no_score: bool, **options) -> None:
        bars: dict[str, tqdm] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, desc=stage, unit="row", leave=False))
            bar.update(done - bar.n)

        try:
            report = import_pack(path, campaign=campaign, score_baselines=not no_score, progress=progress)
        except (PackError, FileNotFoundError, KeyError) as exc:
            raise CommandError(f"Cannot import {path}: {exc}") from exc
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            f"imported {report.model}: sources {', '.join(report.sources)}"
            f" (unchanged: {', '.join(report.sources_unchanged) or 'none'}); features +{report.features_created}"
            f" ~{report.features_updated}; records {report.records_written}; explanations +{report.explanations_created};"
            f" scores queued {report.scores_queued}"
        )
