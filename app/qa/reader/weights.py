"""The shipped reader: one small safetensors file holding only what differs from the base model.

``save`` writes the trained layers and the head in float16 with what they were trained from;
``materialise`` rebuilds a full sentence-transformers folder (base + trained layers) under the
user's models folder on first use, which ``index.onnx_encoder.ensure_onnx`` then exports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.errors import ModelError

WEIGHTS = Path(__file__).with_name("reader.safetensors")
HEAD = ("log_scale", "null_w", "null_b")
LAYER_PREFIX = "bert."  # the trained layers' names inside the Reader module; the base folder drops it


@dataclass(frozen=True)
class Head:
    """Sentence score = scale · cos(q, s); "no answer" = scale · (null_w · q + null_b)."""

    scale: float
    null_w: np.ndarray
    null_b: float


def save(state: dict, path: Path, meta: dict) -> None:
    from safetensors.numpy import save_file

    arrays = {k: v.detach().cpu().numpy().astype(np.float16 if k.startswith(LAYER_PREFIX) else np.float32)
              for k, v in state.items()}
    arrays = {k: np.ascontiguousarray(v.reshape(-1) if v.ndim == 0 else v) for k, v in arrays.items()}
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(arrays, tmp, metadata={k: str(v) for k, v in meta.items()})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def digest(path: Path = WEIGHTS) -> str:
    """The file's identity (names the serving folder): read and hashed once per version of the
    file, not at every assistant built in a process."""
    stat = Path(path).stat()
    return _digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def load_head(path: Path = WEIGHTS) -> Head:
    from safetensors.numpy import load_file

    raw = _load(path, load_file)
    return Head(float(np.exp(raw["log_scale"].reshape(-1)[0])), raw["null_w"].astype(np.float32),
                float(raw["null_b"].reshape(-1)[0]))


def _load(path: Path, load_file) -> dict:
    if not Path(path).is_file():
        raise ModelError(f"the reader's weights {path} are missing: run python -m app.qa.train_reader")
    try:
        return load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same fix
        raise ModelError(f"cannot read the reader's weights {path} ({exc}): run python -m app.qa.train_reader") from exc


def materialise(base: Path, models_dir: Path, path: Path = WEIGHTS) -> Path:
    """``models_dir/reader-<digest>``: the base folder with the trained layers written in,
    built once (aside, then renamed: a killed build leaves nothing half-written)."""
    from safetensors.numpy import load_file, save_file

    name = digest(path)
    target = Path(models_dir) / f"reader-{name}"
    if (target / "READER").is_file():
        return target
    trained = {k[len(LAYER_PREFIX):]: v.astype(np.float32) for k, v in _load(path, load_file).items()
               if k.startswith(LAYER_PREFIX)}
    tmp = Path(tempfile.mkdtemp(prefix=".reader-", dir=models_dir))
    try:
        shutil.copytree(base, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("onnx", ".onnx-export*"))
        full = load_file(str(tmp / "model.safetensors"))
        unknown = [k for k in trained if k not in full]
        if unknown:
            raise ModelError(f"the reader's weights name {unknown[0]!r}, which the base model lacks: "
                             "retrain it with python -m app.qa.train_reader")
        for k, v in trained.items():
            if full[k].shape != v.shape:
                raise ModelError(f"the reader's {k} has shape {v.shape}, the base {full[k].shape}: retrain it")
            full[k] = v
        save_file(full, str(tmp / "model.safetensors"))
        (tmp / "READER").write_text(json.dumps({"weights": name}))
        os.chmod(tmp, 0o755)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
