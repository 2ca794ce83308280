"""LangChain's standard retriever suite (langchain-tests) over the real model and Chroma."""

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from index.retrieval import HybridRetriever

pytestmark = pytest.mark.slow


class TestHybridRetriever(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _real_store(self, real_index):
        # properties cannot take fixtures: the suite's constructor params read this attribute
        type(self).store = real_index.store

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": self.store}

    @property
    def retriever_query_example(self) -> str:
        return "When was the Arctic exercise?"
