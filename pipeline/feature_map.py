"""A map of a source's features: UMAP of their decoder directions (an SAE latent's W_dec row, a
neuron's W_out row) on cosine distance, so features that write alike sit together.

Computed with the pack (`build_demo`, or `manage.py build_maps` for a pack already built) and
stored as `maps/<source>.npy` (float32 [F, 2], scaled into [0, 1]): the site imports it, and
start-up never pays for the fit (about 30 s for 2,048 features on 2 CPUs). The file is not part
of a source's pack digest: adding a map changes no feature, record or score.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

MAP_DIR = "maps"
N_NEIGHBORS = 15
MIN_DIST = 0.1


def map_path(pack_dir: str | Path, slug: str) -> Path:
    return Path(pack_dir) / MAP_DIR / f"{slug}.npy"


def umap_coords(directions: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """[F, d] directions -> float32 [F, 2] in [0, 1]; the same seed gives the same map."""
    import umap

    directions = np.asarray(directions, dtype=np.float32)
    if len(directions) <= N_NEIGHBORS:
        raise ValueError(f"a map needs more than {N_NEIGHBORS} features; this source has {len(directions)}")
    reducer = umap.UMAP(n_neighbors=N_NEIGHBORS, min_dist=MIN_DIST, metric="cosine", random_state=seed,
                        n_jobs=1, init="spectral")
    xy = reducer.fit_transform(directions).astype(np.float64)
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    return ((xy - low) / span).astype(np.float32)


def write_map(pack_dir: str | Path, slug: str, coords: np.ndarray) -> Path:
    path = map_path(pack_dir, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.asarray(coords, dtype=np.float32))
    return path


def load_map(pack_dir: str | Path, slug: str, width: int) -> np.ndarray | None:
    """The source's map, or None when the pack has none (or one for another width)."""
    path = map_path(pack_dir, slug)
    if not path.is_file():
        return None
    coords = np.load(path, allow_pickle=False)
    if coords.shape != (width, 2) or not np.isfinite(coords).all():
        return None
    return coords


def build_maps(pack_dir: str | Path, slugs: list[str] | None = None, *, seed: int = 0) -> dict[str, float]:
    """Fit and write the map of each source of an existing pack; {slug: seconds}."""
    from inference_client.engine import InferenceEngine

    from .features import decoder_rows

    engine = InferenceEngine.from_pack(pack_dir, device="cpu")
    took = {}
    for slug, source in engine.sources.items():
        if slugs and slug not in slugs:
            continue
        start = time.perf_counter()
        write_map(pack_dir, slug, umap_coords(decoder_rows(engine.model, source.hook_point, source.sae), seed=seed))
        took[slug] = round(time.perf_counter() - start, 1)
    return took
