"""Prompts for the LLM scorers and the explainer.

Written for this project after the published methods (OpenAI's "explain, simulate,
score"; EleutherAI's detection and fuzzing); each scorer batches all records of one score
into one prompt so a score costs one call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.text import record_text

SIMULATION_SYSTEM = (
    "We study features of a neural network. Each feature looks for one particular thing in a "
    "short text. Given an explanation of a feature, predict how strongly it fires on each token "
    "of some texts, as an integer from 0 (does not fire) to 10 (fires as much as it ever does). "
    "Most tokens are 0, and many texts have no token above 0."
)

# One worked example teaches the format and that most values are 0.
_SIM_EXAMPLE_EXPLANATION = "the word 'cat' and other words for cats"
_SIM_EXAMPLE_RECORDS = [["The", " cat", " sat", " on", " the", " mat"], ["Stock", " prices", " fell"]]
_SIM_EXAMPLE_JSON = [[0, 10, 0, 0, 0, 0], [0, 0, 0]]


def _records_block(records: Sequence[Sequence[str]]) -> str:
    return "\n".join(
        f"Text {i + 1} ({len(toks)} tokens): {json.dumps(list(toks), ensure_ascii=False)}" for i, toks in enumerate(records)
    )


def simulation_json_messages(explanation: str, records: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    def user(expl: str, recs: Sequence[Sequence[str]]) -> str:
        return (
            f"Explanation: {expl}\n\n{_records_block(recs)}\n\n"
            'Reply with a JSON object {"activations": [[...], ...]}: one list per text, in order, '
            "with exactly one integer 0-10 per token."
        )

    return [
        {"role": "system", "content": SIMULATION_SYSTEM},
        {"role": "user", "content": user(_SIM_EXAMPLE_EXPLANATION, _SIM_EXAMPLE_RECORDS)},
        {"role": "assistant", "content": json.dumps({"activations": _SIM_EXAMPLE_JSON})},
        {"role": "user", "content": user(explanation, records)},
    ]


def simulation_lines_messages(explanation: str, records: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    def user(expl: str, recs: Sequence[Sequence[str]]) -> str:
        return (
            f"Explanation: {expl}\n\n{_records_block(recs)}\n\n"
            "Reply with one line per text, in order: the integers 0-10 for its tokens, separated by "
            "spaces, exactly one per token. Nothing else."
        )

    example = "\n".join(" ".join(str(v) for v in line) for line in _SIM_EXAMPLE_JSON)
    return [
        {"role": "system", "content": SIMULATION_SYSTEM},
        {"role": "user", "content": user(_SIM_EXAMPLE_EXPLANATION, _SIM_EXAMPLE_RECORDS)},
        {"role": "assistant", "content": example},
        {"role": "user", "content": user(explanation, records)},
    ]


PLACEHOLDER = "unknown"


def simulation_echo_prompt(explanation: str, records: Sequence[Sequence[str]]) -> tuple[str, list[list[int]]]:
    """A completion prompt in OpenAI's tab-separated layout. The texts to simulate carry
    "unknown" where a value goes; the model's probabilities at those places are the
    prediction. Returns the prompt and, per record, the character offset of each placeholder."""
    parts = [SIMULATION_SYSTEM, "\n\n"]
    parts.append(f"Explanation: {_SIM_EXAMPLE_EXPLANATION}\n")
    for toks, vals in zip(_SIM_EXAMPLE_RECORDS, _SIM_EXAMPLE_JSON):
        parts.append("<start>\n" + "".join(f"{t}\t{v}\n" for t, v in zip(toks, vals)) + "<end>\n")
    parts.append(f"\nExplanation: {explanation}\n")
    prompt = "".join(parts)
    offsets: list[list[int]] = []
    for toks in records:
        prompt += "<start>\n"
        rec_offsets = []
        for t in toks:
            prompt += f"{t}\t"
            rec_offsets.append(len(prompt))
            prompt += f"{PLACEHOLDER}\n"
        prompt += "<end>\n"
        offsets.append(rec_offsets)
    return prompt, offsets


CLASSIFY_SYSTEM = (
    "We study features of a neural network. Each feature looks for one particular thing in a "
    "short text. You get an explanation of a feature and numbered examples. {task}"
)

DETECTION_TASK = "For each example, decide whether the feature fires on it (1) or not (0)."
FUZZING_TASK = (
    "In each example some tokens are marked <<like this>>. Decide for each example whether the "
    "marked tokens are the ones the explanation describes (1) or not (0)."
)


def classify_messages(task: str, explanation: str, examples: Sequence[str], *, json_reply: bool) -> list[dict[str, str]]:
    listing = "\n".join(f"Example {i + 1}: {json.dumps(text, ensure_ascii=False)}" for i, text in enumerate(examples))
    if json_reply:
        ask = f'Reply with a JSON object {{"answers": [...]}}: exactly {len(examples)} values, 1 or 0, in order.'
    else:
        ask = f"Reply with exactly {len(examples)} lines, one per example in order, each just 1 or 0."
    return [
        {"role": "system", "content": CLASSIFY_SYSTEM.format(task=task)},
        {"role": "user", "content": f"Explanation: {explanation}\n\n{listing}\n\n{ask}"},
    ]


def detection_example(tokens: Sequence[str]) -> str:
    return record_text(tokens)


def highlighted_example(tokens: Sequence[str], marked: set[int]) -> str:
    return "".join(f"<<{t}>>" if i in marked else t for i, t in enumerate(tokens)).strip()


EXPLAIN_SYSTEM = (
    "We study features of a neural network. Each feature looks for one particular thing in a "
    "short text. Look at the texts where a feature fires, given as token<TAB>activation lines "
    "(activations 0-10; tokens not listed... are 0), and say in a short phrase what it looks for. "
    "Reply with the phrase only, at most 12 words, no preamble."
)


def explain_messages(records: Sequence[tuple[Sequence[str], Sequence[int]]]) -> list[dict[str, str]]:
    blocks = []
    for i, (tokens, acts) in enumerate(records):
        lines = "\n".join(f"{t!r}\t{a}" for t, a in zip(tokens, acts))
        blocks.append(f"Text {i + 1}:\n<start>\n{lines}\n<end>")
    return [
        {"role": "system", "content": EXPLAIN_SYSTEM},
        {"role": "user", "content": "\n\n".join(blocks) + "\n\nExplanation of what the feature looks for:"},
    ]
