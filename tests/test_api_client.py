"""The HTTP API once through gradio_client, against the demo served on loopback."""

import pytest
from gradio_client import Client

from app.qa.pipeline import Assistant
from app.ui import build_demo
from tests.conftest import free_port

pytestmark = pytest.mark.slow


def test_answer_endpoint_returns_the_structured_result(real_index):
    demo = build_demo(Assistant(real_index), real_index.settings)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        result = client.predict("Siapa yang ditemui Belousov?", [], "auto", api_name="/answer")
        assert result["answerable"] and result["language"] == "id"
        assert "Zhang Youxia" in result["text"] and result["citations"][0]["n"] == 1
        refused = client.predict("What is the capital of Australia?", [], "auto", api_name="/answer")
        assert refused["answerable"] is False and refused["citations"] == []
        follow = client.predict(
            "Where was it held?",
            [["When was the Arctic exercise?", "3 October 2024 [1]"]],
            "extractive",
            api_name="/answer",
        )
        assert "Arktik" in follow["text"]
    finally:
        demo.close()
