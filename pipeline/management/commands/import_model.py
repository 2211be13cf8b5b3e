from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipeline.import_model import ImportSettings, import_model
from pipeline.records import RecordConfig


class Command(BaseCommand):
    help = ("Build a pack (records, statistics, logit lens, baseline explanations) for a TransformerLens model "
            "and SAELens SAEs over a text corpus. No database access; load the pack with import_pack.")

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="TransformerLens name, e.g. gpt2-small")
        parser.add_argument("--sae", action="append", default=[],
                            help="SAELens directory or release/sae_id for SAE.from_pretrained (repeatable)")
        parser.add_argument("--neurons", type=int, action="append", default=[],
                            help="layer whose MLP neurons become a source (repeatable)")
        parser.add_argument("--corpus", required=True, help="text file (blank-line separated), .jsonl or dir of .txt")
        parser.add_argument("--out", required=True, help="pack directory to write (replaced)")
        parser.add_argument("--hf-dir", default="", help="load model + tokenizer from this local HF directory (offline)")
        parser.add_argument("--max-tokens", type=int, default=None)
        parser.add_argument("--n-ctx", type=int, default=128, help="context length of the record pass")
        parser.add_argument("--batch", type=int, default=16)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--no-copy-sae", action="store_true", help="do not copy SAE weights into the pack")

    def handle(self, *args, **o):
        hf_model = tokenizer = None
        if o["hf_dir"]:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if not Path(o["hf_dir"]).is_dir():
                raise CommandError(f"--hf-dir {o['hf_dir']} is not a directory")
            hf_model = AutoModelForCausalLM.from_pretrained(o["hf_dir"])
            tokenizer = AutoTokenizer.from_pretrained(o["hf_dir"])
        if not Path(o["corpus"]).exists():
            raise CommandError(f"--corpus {o['corpus']} does not exist")
        settings = ImportSettings(neuron_layers=o["neurons"], n_ctx=o["n_ctx"], max_tokens=o["max_tokens"],
                                  batch=o["batch"], record=RecordConfig())
        try:
            meta = import_model(o["model"], o["sae"], Path(o["corpus"]), Path(o["out"]), seed=o["seed"],
                                settings=settings, hf_model=hf_model, tokenizer=tokenizer,
                                progress=o["verbosity"] > 0, copy_sae_weights=not o["no_copy_sae"])
        except ValueError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(self.style.SUCCESS(
            f"pack written to {o['out']} in {meta['build_seconds']:.0f} s: "
            + ", ".join(f"{s['slug']} ({s['width']})" for s in meta["sources"])))
