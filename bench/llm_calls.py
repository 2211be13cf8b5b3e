"""How many calls and tokens one LLM simulation score costs, against one call per record.

No hosted model is reachable here, so the scorer talks to a stand-in OpenAI-compatible
server on 127.0.0.1 that answers in the JSON mode's shape (all zeros) and reports usage as
an estimate of ~4 characters per token of what it really received and sent. The calls are
exact; the token counts are estimates of the real prompts our scorer builds.

    .venv/bin/python bench/llm_calls.py [--pack packs/demo] [--features 20]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring_validity import sample_features  # noqa: E402  (sets up Django)
from pipeline import pack as packio  # noqa: E402
from scoring.llm.client import LLMClient  # noqa: E402
from scoring.records import build_scoring_input  # noqa: E402
from scoring.scorers.llm_simulation import LLMSimulator  # noqa: E402
from tests.scoring.fake_openai import FakeOpenAI, Reply  # noqa: E402


def zeros_for(lengths: list[int]):
    def reply(request: dict) -> Reply:
        content = json.dumps({"activations": [[0] * n for n in lengths]})
        sent = sum(len(m.get("content", "")) for m in request.get("messages", []))
        usage = {"prompt_tokens": math.ceil(sent / 4), "completion_tokens": math.ceil(len(content) / 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return Reply(body={"id": "x", "object": "chat.completion", "model": request.get("model"), "usage": usage,
                           "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                        "message": {"role": "assistant", "content": content}}]})

    return reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "llm_calls.json"))
    args = parser.parse_args()
    meta = packio.read_pack(args.pack)
    slug = next(s.slug for s in meta.sources if s.kind == "sae")
    items = sample_features(Path(args.pack), slug, args.features, seed=0)
    server = FakeOpenAI().start()
    try:
        scorer = LLMSimulator(LLMClient(model="gpt-4o-mini", base_url=server.base_url, api_key="x", timeout_s=10), mode="json")
        rows = []
        for it in items:
            data = build_scoring_input(explanation=it["explanation"], top=it["top"], random=it["random"], max_activation=it["max_activation"])
            records = data.top_records + data.random_records
            server.push(zeros_for([len(r.tokens) for r in records]))
            res = scorer.score(data)
            rows.append({"records": len(records), "tokens": sum(len(r.tokens) for r in records), "calls": res.calls,
                         "tokens_in": res.tokens_in, "tokens_out": res.tokens_out, "cost_usd": res.cost_usd})
    finally:
        server.stop()
    n = len(rows)
    summary = {
        "pack": meta.name, "source": slug, "scores": n, "mode": "json", "model_priced_as": "gpt-4o-mini",
        "records_per_score": sum(r["records"] for r in rows) / n,
        "calls_per_score": sum(r["calls"] for r in rows) / n,
        "est_tokens_in_per_score": sum(r["tokens_in"] for r in rows) / n,
        "est_tokens_out_per_score": sum(r["tokens_out"] for r in rows) / n,
        "est_cost_usd_per_score": sum(r["cost_usd"] for r in rows) / n,
        "token_estimate": "ceil(characters / 4) of the real requests and replies",
    }
    print(f"llm-simulation (json mode), {n} scores on {meta.name}/{slug}:")
    print(f"  records per score {summary['records_per_score']:.1f} -> calls per score {summary['calls_per_score']:.2f}"
          f" (one call per record would be {summary['records_per_score']:.1f})")
    print(f"  ~{summary['est_tokens_in_per_score']:.0f} tokens in, ~{summary['est_tokens_out_per_score']:.0f} out,"
          f" ~${summary['est_cost_usd_per_score']:.5f} per score at gpt-4o-mini prices")
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
