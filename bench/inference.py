"""How many "search all features" requests per second the demo pack's model answers, for
64-token texts: in this process (the engine), and over HTTP through `inference_client.server`
(run as its own process, as in production), with one client and with several at once.

    .venv/bin/python bench/inference.py [--pack packs/demo] [--requests 200] [--device cpu] [--threads 1]

Texts are 64-token windows of the pack's own corpus, decoded to text. Writes
bench/results/inference.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference_client.engine import InferenceEngine  # noqa: E402

TEXT_TOKENS = 64


def sample_texts(engine: InferenceEngine, pack: Path, n: int, seed: int = 0) -> list[str]:
    """`n` windows of the corpus without a BOS inside, as text that re-tokenizes to 64 tokens or
    about that (decoding and re-encoding can merge a few tokens differently)."""
    tokens = np.load(pack / "corpus_tokens.npy")
    rng = np.random.default_rng(seed)
    length = min(TEXT_TOKENS, engine.max_tokens - 8)  # a pack with a short context gets shorter texts
    texts: list[str] = []
    while len(texts) < n:
        s = int(rng.integers(0, len(tokens) - length))
        window = tokens[s:s + length]
        if (window == engine.tokenizer.bos_id).any():
            continue
        text = engine.tokenizer.decode(window.tolist())
        if text.strip() and len(engine.tokenizer.encode(text)) <= engine.max_tokens:
            texts.append(text)
    return texts


def summarise(latencies: list[float], wall: float) -> dict[str, float]:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "requests": len(ms), "requests_per_s": round(len(ms) / wall, 2),
        "p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
    }


def bench_in_process(engine: InferenceEngine, texts: list[str]) -> dict[str, float]:
    for t in texts[:5]:
        engine.search_all(t)  # warm-up
    latencies = []
    t0 = time.perf_counter()
    for t in texts:
        s = time.perf_counter()
        engine.search_all(t)
        latencies.append(time.perf_counter() - s)
    return summarise(latencies, time.perf_counter() - t0)


def post(url: str, body: dict) -> float:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    s = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"server answered {response.status}")
    return time.perf_counter() - s


def bench_http(url: str, model: str, texts: list[str], clients: int) -> dict[str, float]:
    bodies = [{"model": model, "text": t} for t in texts]
    for b in bodies[:5]:
        post(url + "/search", b)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(lambda b: post(url + "/search", b), bodies))
    return summarise(latencies, time.perf_counter() - t0) | {"clients": clients}


def start_server(pack: Path, device: str, threads: int | None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "inference_client.server", "--pack", str(pack), "--host", "127.0.0.1",
               "--port", str(port), "--device", device]
    if threads:
        command += ["--threads", str(threads)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the inference server exited while starting") from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the inference server did not start within 300 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients in the second HTTP run")
    parser.add_argument("--device", default=os.environ.get("INFERENCE_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu"))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads, here and in the server")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "inference.json"))
    args = parser.parse_args()
    pack = Path(args.pack)
    if args.threads:
        torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    engine = InferenceEngine.from_pack(pack, device=args.device)
    load_s = time.perf_counter() - t0
    texts = sample_texts(engine, pack, args.requests)
    n_tokens = [len(engine.tokenizer.encode(t)) for t in texts]
    in_process = bench_in_process(engine, texts)
    print("in process:", in_process, flush=True)

    proc, url = start_server(pack, args.device, args.threads)
    try:
        sequential = bench_http(url, engine.model_slug, texts, 1)
        print("http, 1 client:", sequential, flush=True)
        concurrent = bench_http(url, engine.model_slug, texts, args.clients)
        print(f"http, {args.clients} clients:", concurrent, flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    result = {
        "benchmark": "search_all requests per second (all sources, num_results=25)",
        "pack": str(pack), "model": engine.model_slug, "device": args.device,
        "sources": {s.slug: s.width for s in engine.sources.values()},
        "text_tokens": {"target": TEXT_TOKENS, "mean": round(float(np.mean(n_tokens)), 1)},
        "engine_load_s": round(load_s, 2),
        "in_process": in_process,
        "http_1_client": sequential,
        f"http_{args.clients}_clients": concurrent,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
