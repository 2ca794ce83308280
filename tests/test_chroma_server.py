"""The Chroma server path: a real `chroma run` on loopback, indexed and searched through HTTP."""

import shutil

import pytest

from index.service import open_index
from index.settings import Settings
from tests.conftest import free_port, serving

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma")
    assert exe, "the `chroma` command (from the chromadb package) is missing: pip install -r requirements.txt"
    port = free_port()
    command = [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "server-data")]
    with serving(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp_path / "chroma.log", timeout=60):
        yield port


def test_index_and_search_through_a_chroma_server(chroma_server, real_embedder, tmp_path):
    settings = Settings.load(env={}, home=tmp_path / "home", chroma_host="127.0.0.1", chroma_port=chroma_server)
    idx = open_index(settings, embedder=real_embedder)
    assert idx.build().added == 5
    assert idx.build().added == 0  # idempotent through the server too
    hits = idx.retriever.search("When was the Arctic exercise?", k=3)
    assert any("Samudra Arktik pada 3 Oktober 2024" in h.chunk.text for h in hits)
    assert not (tmp_path / "home" / "chroma").exists()  # nothing went to the local folder
    # a second client sees the same data
    again = open_index(settings, embedder=real_embedder)
    assert again.store.count() == 5
