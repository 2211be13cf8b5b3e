"""The scoring encoder as an ONNX Runtime session, built on this host from the installed model.

On CPUs without native bfloat16, PyTorch's eager BERT spends much of a score in separate
kernels and MKL's GEMM; ONNX Runtime runs the same weights as one fused graph (attention,
GELU and layer norms each one operator). The graph is exported from the model on disk, never
downloaded: once per host and precision, into a cache folder, named by a key of everything
it was made from, so a new model, torch or ONNX Runtime builds a new file instead of reusing
a stale one. Two processes building at once each write their own temporary file and the
last atomic rename wins; both files are the same graph.

Precisions: "float32" (the same vectors as PyTorch's, cosine 0.99999 or more) and "int8"
(the attention and feed-forward input projections with int8 weights, per output channel, and
activations quantized per batch; the feed-forward output projections in float32): vectors keep
a mean cosine of 0.993 with float32's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

ONNX_PRECISIONS = ("float32", "int8")
# Bump when the export or optimisation steps change: the key then names a new file.
BUILD_VERSION = "1"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_GELUS = ("Gelu", "BiasGelu", "FastGelu")


def _key(model_path: str, precision: str) -> str:
    import onnxruntime
    import torch

    h = hashlib.sha256()
    for part in (BUILD_VERSION, precision, torch.__version__, onnxruntime.__version__):
        h.update(part.encode() + b"\0")
    for name in sorted(os.listdir(model_path)):
        p = Path(model_path) / name
        if p.is_file():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}\0".encode())
    return h.hexdigest()[:16]


def model_file(model_path: str, precision: str, cache_dir: Path) -> Path:
    """The ONNX graph of the model at `model_path` in `precision`, built into `cache_dir` if
    it is not there yet."""
    if precision not in ONNX_PRECISIONS:
        raise ValueError(f"an ONNX encoder runs in {' or '.join(ONNX_PRECISIONS)}, not {precision!r}")
    path = Path(cache_dir) / f"encoder-{precision}-{_key(model_path, precision)}.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _build(model_path, precision, path)
        # Graphs of an earlier model or library go: a running process holds its graph in
        # memory, so removing the file takes nothing from it.
        for stale in path.parent.glob(f"encoder-{precision}-*.onnx"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path


def _build(model_path: str, precision: str, dest: Path) -> None:
    # The optimizer and the quantizer log a line per tensor, some on the root logger.
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        _export(model_path, precision, dest)
    finally:
        root.setLevel(level)


def _export(model_path: str, precision: str, dest: Path) -> None:
    import torch
    from onnxruntime.transformers import optimizer
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    config = AutoConfig.from_pretrained(model_path)
    # Eager attention exports as plain MatMul/Softmax, the pattern the optimizer fuses into
    # one Attention operator (the SDPA path exports a form it does not recognise).
    model = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    # Two texts of different lengths, so the traced graph carries a real padding mask.
    sample = tokenizer(["a longer sample sentence for tracing", "short"], padding=True, return_tensors="pt")

    class _LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    with tempfile.TemporaryDirectory(dir=dest.parent) as work:
        raw = Path(work) / "raw.onnx"
        dynamic = {name: {0: "batch", 1: "pieces"} for name in (*_INPUTS, "hidden")}
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the tracer's notes on Python-side branches
            torch.onnx.export(_LastHidden(), tuple(sample[k] for k in _INPUTS), str(raw),
                              input_names=list(_INPUTS), output_names=["hidden"],
                              dynamic_axes=dynamic, opset_version=17, dynamo=False)
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, opt_level=1)
        built = Path(work) / "built.onnx"
        if precision == "int8":
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            fused_path = Path(work) / "fused.onnx"
            fused.save_model_to_file(str(fused_path))
            graph = fused.model.graph
            # Activations are quantized per batch to one scale. The projections that read
            # GELU's output lost the most in int8 (all in int8: token vectors at a mean cosine
            # of 0.988 to float32's, and the validity set lost pairs; these in float32: 0.993,
            # and none), so they stay float32.
            after_gelu = {out for node in graph.node if node.op_type in _GELUS for out in node.output}
            keep_float = [node.name for node in graph.node if node.op_type == "MatMul" and node.input[0] in after_gelu]
            # Shape inference cannot type the outputs of the fused operators (they live in
            # ONNX Runtime's own domain); they are all float.
            quantize_dynamic(str(fused_path), str(built), weight_type=QuantType.QInt8, per_channel=True,
                             nodes_to_exclude=keep_float,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        else:
            fused.save_model_to_file(str(built))
        os.replace(built, dest)


class OnnxEncoderModel:
    """Last hidden states of a batch, from an ONNX Runtime session on `threads` threads."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _cpu_count()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads that spin between runs take the cores from the rest of the score
        # (numpy's own matrix products, the tokenizer) and from other processes on the host:
        # without spinning a score ran 1.15-1.4x faster beside another busy process.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feed = {name: np.ascontiguousarray(batch[name], dtype=np.int64) for name in self._inputs}
        return self._session.run(None, feed)[0]


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
