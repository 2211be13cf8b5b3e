"""Demo-like data for the browser tests: a small model whose features fire on readable English.

Run as a script against the database in the environment (the browser tests point SQLITE_PATH
at a scratch file): `python -m tests.game.browser_data`. Prints the feature addresses as JSON.

- `fruit` (in the active campaign, never voted on): served first to a new player.
- `animals` (in the campaign, one model-written explanation with a vote): the second puzzle.
- `weather` (outside the campaign): a spam explanation by `spammer`, for the moderator's path
  (`reporter` reports it, `moderator`, in the Moderators group, hides it).
- `hostile` (outside the campaign): tokens and an explanation built to break naive rendering
  (markup, entities, right-to-left overrides, Hebrew, zero-width characters).
"""

from __future__ import annotations

import json
import os
import re
import sys

import numpy as np

HOSTILE_SCRIPT = "<script>alert(1)</script>"
PASSWORD = "a-long-passphrase-42"
SPAM_EXPLANATION = "cheap watches at example dot com, click now"
WEATHER = [
    ("It will {rain} all afternoon .", 1.0),
    ("A cold {wind} blew from the north .", 0.8),
    ("Heavy {snow} closed the pass .", 0.9),
]
HOSTILE_TOKENS = [" fish", " &amp;", " chips", HOSTILE_SCRIPT, " \u202eevil", " \u05e9\u05dc\u05d5\u05dd", "\u200b", " <b>bold</b>", "."]
HOSTILE_EXPLANATION = "<img src=x onerror=alert(2)> &amp; \u202eright-to-left \u05e9\u05dc\u05d5\u05dd\u200b"

FRUIT = [
    ("I ate a ripe {banana} for breakfast .", 1.0),
    ("She sliced an {apple} and a {pear} into the bowl .", 0.93),
    ("The market sells fresh {mango} and {papaya} every morning .", 0.86),
    ("Add one chopped {banana} to the smoothie .", 0.8),
    ("He bought {cherries} , {grapes} and a {lemon} .", 0.72),
    ("Our garden has an old {apple} tree near the fence .", 0.65),
]
FRUIT_QUANTILES = [
    ("The {juice} was sweet and cold .", 0.35, 1),
    ("They planted {seeds} in spring .", 0.2, 0),
    ("A {smoothie} bar opened downtown .", 0.4, 1),
]
FRUIT_HELD_OUT = [
    ("Peel the {orange} before you eat it .", 0.9),
    ("A {strawberry} tart with cream .", 0.8),
    ("Mash a {banana} into the pancake batter .", 0.95),
]
RANDOM = [
    "The train left the station at noon .",
    "Please close the door when you leave .",
    "Our meeting moved to Thursday afternoon .",
]
ANIMALS = [
    ("The {dog} barked at the mail carrier .", 1.0),
    ("A {cat} slept on the warm windowsill .", 0.9),
    ("We saw a {horse} running in the field .", 0.8),
    ("The {rabbit} hid under the hedge .", 0.7),
]


def _parse(template: str) -> tuple[list[str], list[float]]:
    """Words in braces are where the feature fires."""
    tokens, marks = [], []
    for i, word in enumerate(template.split()):
        fires = bool(re.fullmatch(r"\{.*\}", word))
        word = word.strip("{}")
        tokens.append(word if i == 0 else " " + word)
        marks.append(fires)
    return tokens, [1.0 if m else 0.0 for m in marks]


class _Vocab:
    def __init__(self) -> None:
        self.words: list[str] = ["<pad>"]
        self.ids: dict[str, int] = {"<pad>": 0}

    def encode(self, tokens: list[str]) -> list[int]:
        out = []
        for tok in tokens:
            if tok not in self.ids:
                self.ids[tok] = len(self.words)
                self.words.append(tok)
            out.append(self.ids[tok])
        return out


def _record(feature, vocab: _Vocab, tokens: list[str], values: list[float], **fields):
    from game.models import ActivationRecord

    vals = np.asarray(values, dtype=np.float32)
    pos, nz = ActivationRecord.encode_values(vals)
    return ActivationRecord(
        feature=feature, token_ids=np.asarray(vocab.encode(tokens), dtype=np.int32).tobytes(),
        nz_positions=pos, nz_values=nz, length=len(tokens), max_value=float(vals.max()),
        max_position=int(vals.argmax()), **fields,
    )


def _records(feature, vocab, peak: float, top, quantiles=(), held_out=(), randoms=RANDOM, long_prefix: int = 0):
    from game.models import ActivationRecord

    rows = []
    for rank, (template, strength) in enumerate(top):
        tokens, marks = _parse(template)
        if long_prefix and rank == 0:
            # A long lead-in puts the strongest word far to the right: the page must scroll to it.
            filler = (" and then the story went on for quite a while before anything happened" * long_prefix).split(" ")[1:]
            tokens, marks = [" " + w for w in filler] + [" " + tokens[0].strip()] + tokens[1:], [0.0] * len(filler) + marks
        values = [round(peak * strength * m * (1 - 0.1 * (j % 2)), 3) for j, m in enumerate(marks)]
        # A little activation on the word before the peak, as real features have.
        values = [v or (round(peak * 0.08, 3) if j + 1 < len(marks) and marks[j + 1] else 0.0) for j, v in enumerate(values)]
        rows.append(_record(feature, vocab, tokens, values, kind=ActivationRecord.Kind.TOP, rank=rank,
                            duplicates=3 if rank == 0 else 0))
    for rank, (template, strength, bin_) in enumerate(quantiles):
        tokens, marks = _parse(template)
        rows.append(_record(feature, vocab, tokens, [peak * strength * m for m in marks],
                            kind=ActivationRecord.Kind.QUANTILE, rank=rank, quantile_bin=bin_))
    for rank, (template, strength) in enumerate(held_out):
        tokens, marks = _parse(template)
        rows.append(_record(feature, vocab, tokens, [peak * strength * m for m in marks],
                            kind=ActivationRecord.Kind.TOP, rank=len(top) + rank, held_out=True))
    for rank, sentence in enumerate(randoms):
        tokens, _ = _parse(sentence)
        rows.append(_record(feature, vocab, tokens, [0.0] * len(tokens), kind=ActivationRecord.Kind.RANDOM, rank=rank))
    ActivationRecord.objects.bulk_create(rows)


def build() -> dict[str, dict]:
    from django.conf import settings

    from game.models import Campaign, Explanation, Feature, LanguageModel, Source
    from scoring.registry import scorer_version

    vocab = _Vocab()
    model = LanguageModel.objects.create(slug="demo", name="Demo model", n_layers=1, d_model=64, d_vocab=0)
    source = Source.objects.create(model=model, slug="0-res-sae", kind=Source.Kind.SAE, layer=0,
                                   hook_point="blocks.0.hook_resid_post", width=4096)
    fruit = Feature.objects.create(source=source, index=7, max_activation=6.4, frac_nonzero=0.004)
    _records(fruit, vocab, 6.4, FRUIT, FRUIT_QUANTILES, FRUIT_HELD_OUT, long_prefix=2)
    animals = Feature.objects.create(source=source, index=12, max_activation=4.2, frac_nonzero=0.01, vote_count=1)
    _records(animals, vocab, 4.2, ANIMALS, held_out=[("A {goat} ate the grass .", 0.9)])
    Explanation.objects.create(feature=animals, text="names of animals", author_model="demo-explainer",
                               status=Explanation.Status.SCORED, score_value=0.41, score_method=settings.SCORING_METHOD, score_version=scorer_version(settings.SCORING_METHOD),
                               vote_count=1)
    Explanation.objects.create(feature=animals, text="pets and farm animals", author_model="demo-explainer",
                               status=Explanation.Status.SCORED, score_value=0.37, score_method=settings.SCORING_METHOD, score_version=scorer_version(settings.SCORING_METHOD))
    hostile = Feature.objects.create(source=source, index=99, max_activation=3.0)
    values = [0.0, 1.5, 0.0, 3.0, 2.0, 1.0, 0.5, 2.5, 0.0]
    _records(hostile, vocab, 3.0, [], randoms=[])
    from game.models import ActivationRecord

    ActivationRecord.objects.bulk_create([_record(hostile, vocab, HOSTILE_TOKENS, values, kind="top", rank=0)])
    Explanation.objects.create(feature=hostile, text=HOSTILE_EXPLANATION, author_model="<b>model</b>",
                               status=Explanation.Status.SCORED, score_value=0.5, score_method=settings.SCORING_METHOD, score_version=scorer_version(settings.SCORING_METHOD))
    weather = Feature.objects.create(source=source, index=31, max_activation=5.0, frac_nonzero=0.01)
    _records(weather, vocab, 5.0, WEATHER)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    users = {name: get_user_model().objects.create_user(name, f"{name}@example.com", PASSWORD)
             for name in ("moderator", "reporter", "spammer")}
    users["moderator"].groups.add(Group.objects.get(name="Moderators"))
    Explanation.objects.create(feature=weather, text=SPAM_EXPLANATION, author=users["spammer"],
                               status=Explanation.Status.SCORED, score_value=0.05, score_method=settings.SCORING_METHOD,
                               score_version=scorer_version(settings.SCORING_METHOD))
    model.d_vocab = len(vocab.words)
    model.save()
    model.set_vocab(vocab.words)
    campaign = Campaign.objects.create(slug="demo", name="Demo features", active=True)
    campaign.features.set([fruit, animals])
    ref = lambda f: {"model": model.slug, "source": source.slug, "index": f.index}  # noqa: E731
    return {"fruit": ref(fruit), "animals": ref(animals), "hostile": ref(hostile), "weather": ref(weather)}


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
    import django

    django.setup()
    print(json.dumps(build()))
