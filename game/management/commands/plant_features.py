from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from game.models import LanguageModel
from game.services.planting import planted_place
from pipeline.pack import PackError, read_pack
from pipeline.planted import load_demo_corpus, plant_features


class Command(BaseCommand):
    help = (
        "Build planted features (known rules over the pack's corpus, with true explanations and decoys) "
        "and place them in dead slots of the pack's model, to be served as gold puzzles. Idempotent by rule."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, nargs="?", default=Path("packs/demo"))
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--no-score", action="store_true", help="Do not queue scoring of the planted explanations.")

    def handle(self, *args, path: Path, seed: int, no_score: bool, **options) -> None:
        try:
            meta = read_pack(path)
            tokens, doc_starts, vocab = load_demo_corpus(path)
        except (PackError, FileNotFoundError, KeyError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        slug = meta.model["slug"]
        model = LanguageModel.objects.filter(slug=slug).first()
        if model is None:
            raise CommandError(f"Model {slug} is not imported: run import_pack {path} first.")
        planted = plant_features(tokens, doc_starts, vocab, seed=seed)
        report = planted_place(planted, model=model, score=not no_score)
        self.stdout.write(
            f"planted {len(report.placed)} features in {model.slug} ({len(report.already)} already there); "
            f"scores queued {report.scoring_jobs}"
        )
        if report.no_slot:
            self.stderr.write(f"no dead slot left for {len(report.no_slot)}: {', '.join(report.no_slot)}")
