"""Does reliability-weighted consensus find the true explanation when some players are not reliable?

Simulated players vote on PLANTED features (`bench/data/planted.jsonl`), whose true
explanation is known. Each simulated feature shows k = 4 options, the true explanation and its
three decoys, in a random order. Four ways of settling it are compared:

    weighted              calibration.weighted_consensus: the scorer's prior + weighted votes
    weighted_votes_only   the same without the scorer (uniform prior)
    majority              plain plurality, every player equal, ties at random
    scores_only           the option the offline scorer ("contextual-simulation") rates best

A figure is the share of simulated features whose chosen option is the true explanation (a tie
at the top, rare, is broken at random for every method).

Players, drawn afresh for every simulated feature (each voter's kind drawn independently, so a
feature's voters are a random sample of a population with the scenario's shares):

    reliable      choose the true explanation w.p. 0.85, else one of the others uniformly
    careless      choose uniformly among the 4 options
    adversarial   always choose the worst option: the decoy the scorer rates lowest

The non-reliable share is split evenly between careless and adversarial players. Before voting,
every player answers `--gold` gold puzzles (planted features other than the one being settled,
so no reliability is ever estimated from the feature it then weighs in on), behaving the same
way, since gold is served unmarked; their Reliability is estimated from those answers alone.

A second table follows the same players under retirement: votes arrive one at a time and the
feature is settled as soon as `should_retire` says so (confidence 0.95 on at least two answers,
or 15 answers).

Option scores are computed once per planted feature (all its options) and cached. The
`--fit-temperature` pass fits the softmax temperature of the scorer prior by maximum likelihood
on the tune split of the human-written validity set (`bench/data/human_validity.jsonl`: the
human explanation against the neighbour's, the decoy and another feature's), never on the
planted set this bench measures.

    OMP_NUM_THREADS=1 .venv/bin/python bench/consensus.py [--data bench/data/planted.jsonl]
        [--features-per-scenario 200] [--gold 10] [--fit-temperature]

Writes bench/results/consensus.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # 2 CPUs: one thread scores fastest without contention

import django  # noqa: E402

django.setup()

from calibration.consensus import (  # noqa: E402
    SCORE_TEMPERATURE,
    Ballot,
    Verdict,
    majority,
    should_retire,
    weighted_consensus,
)
from calibration.reliability import Reliability  # noqa: E402

DATA = ROOT / "bench" / "data" / "planted.jsonl"
VALIDITY = ROOT / "bench" / "data" / "human_validity.jsonl"
OUT = ROOT / "bench" / "results" / "consensus.json"
SCORER = "contextual-simulation"
K = 4
RELIABLE_ACCURACY = 0.85
SHARES = (0.0, 0.2, 0.4, 0.6)
VOTES = (3, 5, 7, 9, 11, 15)
GOAL = {"non_reliable_share": 0.4, "votes_per_feature": 5, "weighted_at_least": 0.9}


@dataclass(frozen=True)
class Feature:
    """A planted feature: its options (index 0 is the true explanation) and their scores."""

    id: str
    options: tuple[str, ...]
    scores: tuple[float | None, ...]

    @property
    def worst_decoy(self) -> int:
        """The decoy the scorer rates lowest (the first decoy when none has a score)."""
        scored = [(s, i) for i, s in enumerate(self.scores) if i > 0 and s is not None]
        return min(scored)[1] if scored else 1


# ----------------------------------------------------------------------------- scoring


def _pairs(records: list[dict]) -> list[tuple[list[str], list[float]]]:
    return [(r["tokens"], r["values"]) for r in records]


def score_texts(scorer, item: dict, texts: Sequence[str]) -> list[float | None]:
    """Each text's score on the item's records (None where the scorer fails or is undefined)."""
    from scoring.base import PermanentScoringError, TransientScoringError
    from scoring.records import build_scoring_input

    out: list[float | None] = []
    for text in texts:
        data = build_scoring_input(explanation=text, top=_pairs(item["records"]),
                                   random=_pairs(item.get("random_records", [])),
                                   max_activation=item.get("max_activation"))
        try:
            res = scorer.score(data)
            out.append(res.value if res.status == "ok" else None)
        except (TransientScoringError, PermanentScoringError):
            out.append(None)
    return out


def load_scorer(items: list[dict]):
    from scoring.registry import get_scorer

    scorer = get_scorer(SCORER)
    if hasattr(scorer, "warm_up"):
        scorer.warm_up({t for it in items for r in it["records"] + it.get("random_records", []) for t in r["tokens"]})
    return scorer


def _scorer_version() -> str:
    from scoring.registry import scorer_version

    return scorer_version(SCORER)


def load_planted(path: Path, limit: int | None) -> list[Feature]:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if limit:
        items = items[:limit]
    scorer = load_scorer(items)
    features = []
    for n, item in enumerate(items, 1):
        ex = item["explanations"]
        options = (ex["true"], *ex["decoys"])
        if len(options) != K:
            raise SystemExit(f"{item['id']}: expected 1 true explanation and {K - 1} decoys")
        features.append(Feature(str(item["id"]), options, tuple(score_texts(scorer, item, options))))
        if n % 10 == 0:
            print(f"  scored {n}/{len(items)} planted features", flush=True)
    return features


# ----------------------------------------------------------------------------- players


def choose(kind: str, feature: Feature, order: list[int], rng: random.Random) -> int:
    """The displayed position a player of `kind` picks; `order[pos]` is the option shown there."""
    if kind == "reliable":
        truth = order.index(0)
        if rng.random() < RELIABLE_ACCURACY:
            return truth
        return rng.choice([p for p in range(K) if p != truth])
    if kind == "careless":
        return rng.randrange(K)
    return order.index(feature.worst_decoy)


def draw_kind(share: float, rng: random.Random) -> str:
    u = rng.random()
    if u < share / 2:
        return "careless"
    if u < share:
        return "adversarial"
    return "reliable"


def measure(kind: str, gold: Sequence[Feature], rng: random.Random) -> Reliability:
    """A player's Reliability from their answers on `gold`, each shown in a fresh order."""
    correct = 0
    for feature in gold:
        order = rng.sample(range(K), K)
        correct += order[choose(kind, feature, order, rng)] == 0
    return Reliability(correct, len(gold))


def settle(verdict: Verdict, rng: random.Random) -> int:
    """The verdict's best option, a tie at the top broken at random."""
    if verdict.best is not None:
        return verdict.best
    top = max(verdict.posterior)
    return rng.choice([i for i, p in enumerate(verdict.posterior) if math.isclose(p, top, rel_tol=1e-9)])


def _voter(features: list[Feature], index: int, share: float, n_gold: int,
           rng: random.Random) -> tuple[str, Reliability]:
    kind = draw_kind(share, rng)
    others = [f for i, f in enumerate(features) if i != index]
    gold = [rng.choice(others) for _ in range(n_gold)] if len(others) < n_gold else rng.sample(others, n_gold)
    return kind, measure(kind, gold, rng)


# ----------------------------------------------------------------------------- scenarios


def run_scenario(features: list[Feature], share: float, votes: int, n_features: int, n_gold: int,
                 seed: int) -> dict:
    rng = random.Random(f"{seed}/{share}/{votes}")
    hits = {"weighted": 0, "majority": 0, "weighted_votes_only": 0, "scores_only": 0}
    confidence = 0.0
    for _ in range(n_features):
        index = rng.randrange(len(features))
        feature = features[index]
        order = rng.sample(range(K), K)  # order[pos] = option shown at position pos
        truth = order.index(0)
        scores = [feature.scores[o] for o in order]
        ballots = []
        for _ in range(votes):
            kind, rel = _voter(features, index, share, n_gold, rng)
            ballots.append(Ballot(choose(kind, feature, order, rng), rel))
        weighted = weighted_consensus(K, ballots, scores)
        confidence += weighted.confidence
        hits["weighted"] += settle(weighted, rng) == truth
        hits["weighted_votes_only"] += settle(weighted_consensus(K, ballots), rng) == truth
        hits["majority"] += majority(K, ballots, rng) == truth
        hits["scores_only"] += settle(weighted_consensus(K, [], scores), rng) == truth
    return {
        "non_reliable_share": share,
        "votes_per_feature": votes,
        **{f"{name}_recovers_best": round(h / n_features, 4) for name, h in hits.items()},
        "weighted_mean_confidence": round(confidence / n_features, 4),
        "features": n_features,
    }


def run_retirement(features: list[Feature], share: float, n_features: int, n_gold: int, seed: int,
                   max_answers: int = 15) -> dict:
    """Votes one at a time until `should_retire`; the share right and the answers spent."""
    rng = random.Random(f"{seed}/{share}/retire")
    right, answers, early = 0, 0, 0
    for _ in range(n_features):
        index = rng.randrange(len(features))
        feature = features[index]
        order = rng.sample(range(K), K)
        scores = [feature.scores[o] for o in order]
        ballots: list[Ballot] = []
        verdict = weighted_consensus(K, ballots, scores)
        while not should_retire(verdict, len(ballots), max_answers=max_answers):
            kind, rel = _voter(features, index, share, n_gold, rng)
            ballots.append(Ballot(choose(kind, feature, order, rng), rel))
            verdict = weighted_consensus(K, ballots, scores)
        right += settle(verdict, rng) == order.index(0)
        answers += len(ballots)
        early += len(ballots) < max_answers
    return {
        "non_reliable_share": share,
        "recovers_best": round(right / n_features, 4),
        "mean_answers": round(answers / n_features, 2),
        "retired_before_max": round(early / n_features, 4),
        "features": n_features,
    }


# ----------------------------------------------------------------------------- temperature


def fit_temperature() -> dict:
    """Maximum-likelihood softmax temperature: P(human explanation is the true one among 4)."""
    items = [json.loads(line) for line in VALIDITY.read_text().splitlines() if line.strip()]
    items = [it for it in items if it["split"] == "tune"]
    rng = random.Random(0)
    scorer = load_scorer(items)
    rows = []
    for i, item in enumerate(items):
        other = items[(i + 1 + rng.randrange(len(items) - 1)) % len(items)]
        ex = item["explanations"]
        texts = [ex["human"], ex["neighbour"], ex["decoy"], other["explanations"]["human"]]
        scores = score_texts(scorer, item, texts)
        if all(s is not None for s in scores):
            rows.append(scores)
        if (i + 1) % 20 == 0:
            print(f"  scored {i + 1}/{len(items)} validity features", flush=True)

    def nll(t: float) -> float:
        total = 0.0
        for s in rows:
            top = max(s)
            total -= (s[0] - top) / t - math.log(sum(math.exp((x - top) / t) for x in s))
        return total / len(rows)

    # Golden-section search on log T: the likelihood is unimodal in T for a softmax.
    lo, hi = math.log(0.005), math.log(2.0)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if nll(math.exp(a)) < nll(math.exp(b)):
            hi = b
        else:
            lo = a
    t = math.exp((lo + hi) / 2)
    top1 = sum(s[0] > max(s[1:]) for s in rows) / len(rows)
    return {
        "data": str(VALIDITY.relative_to(ROOT)),
        "split": "tune",
        "features": len(rows),
        "options": "human vs neighbour, decoy, another feature's human explanation",
        "temperature": round(t, 4),
        "mean_nll": round(nll(t), 4),
        "mean_nll_at_default": round(nll(SCORE_TEMPERATURE), 4),
        "mean_nll_uniform": round(math.log(4), 4),
        "scores_only_top1": round(top1, 4),
    }


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--features-per-scenario", type=int, default=200)
    parser.add_argument("--gold", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N planted features")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit-temperature", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    fit = None
    if args.fit_temperature:
        fit = fit_temperature()
        print(f"temperature fit on the validity tune split: {fit}")

    path = Path(args.data)
    if not path.exists():
        raise SystemExit(f"{path} not found: the planted set is made separately")
    t = time.perf_counter()
    features = load_planted(path, args.limit)
    scoring_seconds = time.perf_counter() - t
    if len(features) < 2:
        raise SystemExit("need at least two planted features (one to settle, others for gold)")

    scenarios = [run_scenario(features, share, votes, args.features_per_scenario, args.gold, args.seed)
                 for share in SHARES for votes in VOTES]
    retirement = [run_retirement(features, share, args.features_per_scenario, args.gold, args.seed)
                  for share in SHARES]

    cols = ["weighted", "majority", "weighted_votes_only", "scores_only"]
    print(f"\n{'non-reliable':>12}{'votes':>7}" + "".join(f"{c:>21}" for c in cols) + f"{'mean conf':>11}")
    for s in scenarios:
        print(f"{s['non_reliable_share']:>12.1f}{s['votes_per_feature']:>7}"
              + "".join(f"{s[c + '_recovers_best']:>21.3f}" for c in cols) + f"{s['weighted_mean_confidence']:>11.3f}")
    print("\nretirement (confidence 0.95 on >= 2 answers, or 15 answers)")
    print(f"{'non-reliable':>12}{'recovers':>10}{'answers':>9}{'early':>8}")
    for r in retirement:
        print(f"{r['non_reliable_share']:>12.1f}{r['recovers_best']:>10.3f}{r['mean_answers']:>9.2f}"
              f"{r['retired_before_max']:>8.3f}")

    row = next(s for s in scenarios if s["non_reliable_share"] == GOAL["non_reliable_share"]
               and s["votes_per_feature"] == GOAL["votes_per_feature"])
    goal = {**GOAL, "weighted": row["weighted_recovers_best"], "majority": row["majority_recovers_best"],
            "met": row["weighted_recovers_best"] >= GOAL["weighted_at_least"]
            and row["weighted_recovers_best"] > row["majority_recovers_best"]}
    print(f"\ngoal (40% non-reliable, 5 votes): weighted {goal['weighted']:.3f} vs majority {goal['majority']:.3f}"
          f" -> {'met' if goal['met'] else 'NOT met'}")

    scored = [s for f in features for s in f.scores]
    out = {
        "method": ("calibration.weighted_consensus: posterior over k options from a softmax prior on the "
                   f"{SCORER} scores (temperature {SCORE_TEMPERATURE}) and SWAP-style votes weighted by "
                   "log((k-1)p/(1-p)), p each player's Beta(2,2)-posterior accuracy on gold puzzles"),
        "data": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "planted_features": len(features),
        "scorer": SCORER,
        "scorer_version": _scorer_version(),
        "score_temperature": SCORE_TEMPERATURE,
        "scores_failed": sum(s is None for s in scored),
        "k_options": K,
        "players": {
            "reliable": f"choose the true explanation w.p. {RELIABLE_ACCURACY}, else another option uniformly",
            "careless": "choose uniformly among the k options",
            "adversarial": "always choose the decoy the scorer rates lowest",
            "non_reliable_split": "half careless, half adversarial",
            "draw": "each voter's kind drawn independently with the scenario's shares; fresh voters per feature",
            "gold_per_player": args.gold,
            "gold": "planted features other than the one being settled; players behave on gold as on live features",
        },
        "recovers_best": "share of simulated features whose chosen option is the true explanation (ties at random)",
        "seed": args.seed,
        "features_per_scenario": args.features_per_scenario,
        "scenarios": scenarios,
        "retirement": {"rule": "should_retire: confidence >= 0.95 on at least 2 answers, or 15 answers",
                       "by_share": retirement},
        "goal": goal,
        "temperature_fit": fit,
        "scoring_seconds": round(scoring_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
