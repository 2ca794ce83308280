"""The reading model: its data, its network and loss on a tiny BERT, the shipped file, serving parity."""

import json

import numpy as np
import pytest

from app.qa.reader import weights
from app.qa.reader.data import ReadingExample, reading_examples
from index.errors import InputError, ModelError

ARTICLE = ("Judul berita\nGempa terjadi pada Selasa (7/1). Sebanyak 37 orang tewas.\n"
           "Bantuan tiba Rabu. Presiden berkunjung.\n")


def _dataset(tmp_path, rows):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "gempa.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_reading_examples_mark_the_evidence_sentences(tmp_path):
    path = _dataset(tmp_path, [
        {"id": "a", "articles": ["gempa"], "question": "Berapa korban tewas?", "evidence": ["37 orang tewas"]},
        {"id": "b", "articles": ["gempa"], "question": "Siapa gubernurnya?", "answerable": False},
        {"id": "c", "articles": ["gempa"], "question": "Kapan?", "history": [["Bantuan tiba?", "Rabu"]],
         "evidence": ["Bantuan tiba Rabu"]},
        {"id": "d", "articles": ["gempa"], "question": "x", "evidence": ["not in the article"]},
    ])
    examples = {e.id: e for e in reading_examples([path], folders=(tmp_path / "articles",))}
    assert examples["a"].sentences == ("Gempa terjadi pada Selasa (7/1).", "Sebanyak 37 orang tewas.",
                                       "Bantuan tiba Rabu.", "Presiden berkunjung.")
    assert examples["a"].positives == (1,) and examples["a"].answerable
    assert examples["b"].positives == () and not examples["b"].answerable
    assert "Bantuan tiba?" in examples["c"].query  # a follow-up carries the turn before it, as the pipeline
    assert "d" not in examples  # evidence no sentence holds teaches nothing


def test_the_no_answer_auc_counts_pairs_ranked_right():
    from app.qa.reader.train import _auc

    assert _auc([(0.9, True), (0.2, False), (0.8, True), (0.1, False)]) == 1.0
    assert _auc([(0.1, True), (0.9, False)]) == 0.0
    assert _auc([(0.5, True), (0.5, False), (0.7, True), (0.2, False)]) == 0.875  # a tie counts half
    assert _auc([(0.5, True)]) is None


def test_a_missing_article_is_one_clear_error(tmp_path):
    path = _dataset(tmp_path, [{"id": "a", "articles": ["nowhere"], "question": "q", "evidence": ["x y z"]}])
    with pytest.raises(InputError, match="nowhere"):
        reading_examples([path], folders=(tmp_path / "articles",))


@pytest.fixture(scope="module")
def tiny_bert():
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32)
    return BertModel(config, add_pooling_layer=False).eval()


def test_the_network_starts_at_the_cosine_and_trains_only_the_top(tiny_bert):
    import torch

    from app.qa.reader.net import INITIAL_SCALE, Reader

    reader = Reader(tiny_bert, trained_layers=1)
    ids = torch.randint(5, 50, (3, 6))
    mask = torch.ones_like(ids)
    mask[2, 4:] = 0
    full = tiny_bert(input_ids=ids, attention_mask=mask).last_hidden_state
    w = mask[:, :, None].float()
    expected = torch.nn.functional.normalize((full * w).sum(1) / w.sum(1), dim=-1)
    vectors = reader.top(reader.frozen_part(ids, mask), mask)
    assert torch.allclose(vectors, expected, atol=1e-5)
    logits = reader.logits(vectors[0], vectors[1:])
    assert torch.allclose(logits[:2], INITIAL_SCALE * (vectors[1:] @ vectors[0]), atol=1e-4)
    trained = reader.trained_state()
    assert all(k.startswith("bert.encoder.layer.2.") or not k.startswith("bert.") for k in trained)
    assert {"log_scale", "null_w", "null_b"} <= set(trained)


def test_the_loss_is_listwise_with_a_no_answer_option():
    import torch

    from app.qa.reader.train import loss_for

    logits = torch.tensor([2.0, 0.0, 1.0, 0.5])  # three sentences, then "no answer"
    answerable = ReadingExample("a", "g", "q", ("s0", "s1", "s2"), (0, 2), True)
    unanswerable = ReadingExample("b", "g", "q", ("s0", "s1", "s2"), (), False)
    p = torch.softmax(logits, 0)
    assert float(loss_for(logits, answerable, [0, 1, 2])) == pytest.approx(-float(torch.log(p[0] + p[2])), rel=1e-5)
    assert float(loss_for(logits, unanswerable, [0, 1, 2])) == pytest.approx(-float(torch.log(p[3])), rel=1e-5)


def test_the_shipped_file_holds_only_the_trained_layers(tiny_bert, tmp_path):
    from app.qa.reader.net import Reader

    reader = Reader(tiny_bert, trained_layers=1)
    path = tmp_path / "r.safetensors"
    weights.save(reader.trained_state(), path, {"base": "tiny"})
    head = weights.load_head(path)
    assert head.scale == pytest.approx(20.0, rel=1e-4) and head.null_w.shape == (16,)
    from safetensors.numpy import load_file

    names = set(load_file(str(path)))
    assert names == set(reader.trained_state())
    assert all(load_file(str(path))[n].dtype == np.float16 for n in names if n.startswith("bert."))


def test_the_real_shipped_file_is_small_and_described():
    assert weights.WEIGHTS.stat().st_size < 50 * 2**20
    card = (weights.WEIGHTS.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert weights.digest() in card  # the card describes this very file


def test_a_missing_or_broken_file_names_the_fix(tmp_path):
    with pytest.raises(ModelError, match="train_reader"):
        weights.load_head(tmp_path / "none.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="train_reader"):
        weights.load_head(tmp_path / "bad.safetensors")


@pytest.mark.slow
def test_serving_scores_match_the_trained_network(real_reader, model_home):
    """The ONNX export of the merged folder gives the torch network's scores."""
    import torch

    from app.qa.reader import train as t
    from app.qa.reader.net import Reader
    from index.e5_convert import ensure_converted
    from index.embeddings import DEFAULT_MODEL_ID

    bert, tokenizer = t.load_base(ensure_converted(model_home / "models" / DEFAULT_MODEL_ID))
    reader = Reader(bert)
    from safetensors.numpy import load_file

    shapes = reader.state_dict()
    state = {k: torch.tensor(v.astype(np.float32)).reshape(shapes[k].shape)
             for k, v in load_file(str(weights.WEIGHTS)).items()}
    reader.load_state_dict(state, strict=False)
    reader.eval()
    ex = ReadingExample("a", "g", "Who did the minister meet in Beijing?",
                        ("Menteri bertemu Jenderal Zhang di Beijing pada 14 Oktober.", "Latihan digelar di Arktik.",
                         "Harga beras naik 5 persen."), (0,), True)
    encoded = t.Encoded(reader, tokenizer, [ex.query], list(ex.sentences))
    expected = t.predict(reader, encoded, [ex])[0]
    served = real_reader.read(ex.query, list(ex.sentences))
    assert np.allclose(served.sentence_logits, expected[:-1], atol=0.05)
    assert served.null_logit == pytest.approx(expected[-1], abs=0.05)
    assert int(np.argmax(served.sentence_logits)) == 0


@pytest.mark.slow
def test_the_warm_up_saves_the_readers_sentence_vectors_and_the_next_start_reads_them(
        real_index, real_embedder, model_home, tmp_path):
    from app.qa.pipeline import Assistant
    from app.qa.reader.serve import load_reader
    from index.e5_convert import ensure_converted
    from index.embeddings import DEFAULT_MODEL_ID

    def fresh_reader():
        base = ensure_converted(model_home / "models" / DEFAULT_MODEL_ID)
        return load_reader(base, model_home / "models", real_embedder.model)

    cache = tmp_path / "vectors.npz"
    first = Assistant(real_index, vector_cache=cache, reader=fresh_reader())
    assert first.answerer.uses_reader  # the shipped weights read the reader's scores
    first.warm_up()
    assert cache.with_name("vectors-reader.npz").is_file()
    reader = fresh_reader()
    embedded = []
    embed = reader.scorer.embedder.embed_passages
    reader.scorer.embedder.embed_passages = lambda texts: embedded.extend(texts) or embed(texts)
    Assistant(real_index, vector_cache=cache, reader=reader).warm_up()
    assert embedded == []  # every sentence's vector came from the file
