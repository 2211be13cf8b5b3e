import pytest

from scoring.records import build_scoring_input

from .fake_embedder import BagOfWordsEmbedder

CAT_TOP = [
    (["The", " cat", " sat", " on", " the", " mat", "."], [0, 5, 0, 0, 0, 0, 0]),
    (["A", " dog", " chased", " the", " cat", "."], [0, 0, 0, 0, 4, 0]),
]
CAT_RANDOM = [
    (["import", " os", "\n", "def", " main", "():"], [0] * 6),
    (["The", " stock", " market", " fell", "."], [0] * 5),
]


@pytest.fixture
def fake_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture
def cat_input():
    def make(explanation: str, random: bool = True):
        return build_scoring_input(explanation=explanation, top=CAT_TOP, random=CAT_RANDOM if random else [])

    return make


@pytest.fixture
def fake_openai():
    from .fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def llm_client(fake_openai):
    from scoring.llm.client import LLMClient

    return LLMClient(model="gpt-4o-mini", base_url=fake_openai.base_url, api_key="test", timeout_s=0.5)
