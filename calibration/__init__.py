"""Players as measured instruments: the maths, free of Django and of the rest of the project.

- `reliability`: a player's accuracy on gold (planted) puzzles as a Beta posterior, the weight
  their vote earns (SWAP-style log-likelihood ratio), and how much gold to keep serving them;
- `consensus`: the best explanation of a feature from reliability-weighted votes and the
  automatic scorer's prior, with a stated confidence, and when to retire the feature;
- `bradley_terry`: ratings from "this or that" comparisons, and which pair to ask next;
- `human_score`: how well players who read one explanation can mark where the feature fires.

Only the standard library and numpy are used, so the game, jobs and benches can all lean on it.
"""

from calibration.bradley_terry import BTFit, fit_bradley_terry, next_pair, win_probability
from calibration.consensus import Ballot, Verdict, majority, should_retire, weighted_consensus
from calibration.human_score import (
    HumanScore,
    aggregate,
    snippet_balanced_accuracy,
    token_correlation,
)
from calibration.reliability import (
    Reliability,
    beta_cdf,
    beta_quantile,
    gold_rate,
    vote_weight,
)

__all__ = [
    "BTFit",
    "Ballot",
    "HumanScore",
    "Reliability",
    "Verdict",
    "aggregate",
    "beta_cdf",
    "beta_quantile",
    "fit_bradley_terry",
    "gold_rate",
    "majority",
    "next_pair",
    "should_retire",
    "snippet_balanced_accuracy",
    "token_correlation",
    "vote_weight",
    "weighted_consensus",
    "win_probability",
]
