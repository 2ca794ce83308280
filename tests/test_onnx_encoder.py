"""The ONNX Runtime encoder must be the same model as sentence-transformers' (real model)."""

import numpy as np
import pytest

from index.settings import Settings
from tests.test_e5_parity import TEXTS

pytestmark = pytest.mark.slow

LONG = ["Paragraf panjang tentang ekonomi dan pertahanan. " * 80, "x" * 5000]  # both truncated at 512 tokens


@pytest.fixture(scope="module")
def torch_embedder(model_home, real_embedder):
    from index.embeddings import load_embedder

    return load_embedder(Settings.load(env={}, home=model_home), engine="torch")


def test_default_embedder_runs_on_onnx_runtime(real_embedder):
    from index.onnx_encoder import OnnxEncoder

    assert isinstance(real_embedder.model, OnnxEncoder)


def test_numpy_products_leave_the_cores_to_the_encoder(real_embedder):
    import scipy.linalg  # noqa: F401 - scipy brings its own OpenBLAS, possibly loaded only now
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert any("numpy" in pool["filepath"] for pool in blas), "numpy's BLAS library was not found"
    assert all(pool["num_threads"] == 1 for pool in blas)


@pytest.mark.parametrize("side", ["query", "passage"])
def test_onnx_matches_sentence_transformers(real_embedder, torch_embedder, side):
    texts = TEXTS + LONG
    ours = real_embedder.embed_queries(texts) if side == "query" else real_embedder.embed_passages(texts)
    theirs = torch_embedder.embed_queries(texts) if side == "query" else torch_embedder.embed_passages(texts)
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, f"cosine {cosines.min():.6f} for {texts[worst][:60]!r}"


def test_token_counts_match_sentence_transformers(real_embedder, torch_embedder):
    tokenizer = torch_embedder.model.tokenizer
    for text in TEXTS + LONG:
        expected = len(tokenizer("passage: " + text, truncation=True, max_length=512)["input_ids"])
        assert real_embedder.model.token_counts(["passage: " + text]) == [expected], text[:60]


def test_a_vector_does_not_depend_on_its_batch(real_embedder):
    alone = real_embedder.embed_passages([TEXTS[0]])[0]
    batched = real_embedder.embed_passages(TEXTS[:20] + LONG)[0]
    assert np.allclose(alone, batched, atol=1e-5)
    assert real_embedder.embed_passages([]).shape[0] == 0


def test_export_happens_once(model_home, real_embedder):
    from index.embeddings import DEFAULT_MODEL_ID
    from index.onnx_encoder import ensure_onnx, onnx_ready

    folder = Settings.load(env={}, home=model_home).models_dir / DEFAULT_MODEL_ID
    assert onnx_ready(folder)
    before = (folder / "onnx" / "model.onnx").stat().st_mtime_ns
    ensure_onnx(folder)
    assert (folder / "onnx" / "model.onnx").stat().st_mtime_ns == before


def test_the_encoder_loads_on_first_use_and_a_broken_export_is_one_clear_error(real_embedder, tmp_path):
    """Constructed at start (configs read, files checked), loaded by the first call (the
    server's warm-up): the page is served 0.9 s sooner. A broken export says how to fix it."""
    from index.errors import ModelError
    from index.onnx_encoder import ONNX_DIR, ONNX_FILE, OnnxEncoder

    folder = real_embedder.model.folder
    fresh = OnnxEncoder(folder)
    assert not fresh._loaded
    np.testing.assert_allclose(fresh.encode(["kapal"], prompt_name="query"),
                               real_embedder.model.encode(["kapal"], prompt_name="query"), atol=1e-6)
    assert fresh._loaded

    broken = tmp_path / "model"
    for source in folder.rglob("*"):  # a copy made of links, but for the graph
        if source.is_file():
            target = broken / source.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    (broken / ONNX_DIR / ONNX_FILE).unlink()
    (broken / ONNX_DIR / ONNX_FILE).write_bytes(b"not a model")
    encoder = OnnxEncoder(broken)  # the files are there: the start goes on
    with pytest.raises(ModelError, match="cannot load the ONNX model .*delete .* to rebuild it"):
        encoder.encode(["kapal"], prompt_name="query")
    (broken / ONNX_DIR / ONNX_FILE).unlink()
    with pytest.raises(ModelError, match="is missing: delete .* to rebuild it"):
        OnnxEncoder(broken)  # a missing file is still a start-up error
