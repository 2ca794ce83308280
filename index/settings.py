"""One settings object for the whole project.

Precedence: command-line flag > environment variable > default. ``BERITA_HOME`` moves
all state (converted model, Chroma data, uploaded articles) to another folder, so
tests point it at ``tmp_path``.

| field            | environment variable   | default                                   |
|------------------|------------------------|-------------------------------------------|
| home             | BERITA_HOME            | ``<project>/.berita``                     |
| articles_dir     | BERITA_ARTICLES        | ``<project>/data/articles`` (bundled)     |
| embed_model      | BERITA_EMBED_MODEL     | ``default`` (multilingual-e5-small, q4)   |
| encoder          | BERITA_ENCODER         | ``onnx`` (``torch``: sentence-transformers)|
| chroma_host      | BERITA_CHROMA_HOST     | empty: embedded Chroma under ``home``     |
| chroma_port      | BERITA_CHROMA_PORT     | 8000                                      |
| top_k            | BERITA_TOP_K           | 4                                         |
| llm_base_url     | BERITA_LLM_BASE_URL    | empty: offline extractive answers         |
| llm_model        | BERITA_LLM_MODEL       | ``local``                                 |
| llm_api_key      | BERITA_LLM_API_KEY     | ``none``                                  |
| llm_gguf         | BERITA_LLM_GGUF        | empty (path of a GGUF file for llama.cpp) |
| llm_timeout      | BERITA_LLM_TIMEOUT     | 30 (seconds)                              |
| host             | BERITA_HOST            | 127.0.0.1                                 |
| port             | BERITA_PORT            | 7860                                      |
| auth             | BERITA_AUTH            | empty (``user:password`` to require login)|
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from index.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "default"
ENCODERS = ("onnx", "torch")

_ENV = {
    "home": "BERITA_HOME",
    "articles_dir": "BERITA_ARTICLES",
    "embed_model": "BERITA_EMBED_MODEL",
    "encoder": "BERITA_ENCODER",
    "chroma_host": "BERITA_CHROMA_HOST",
    "chroma_port": "BERITA_CHROMA_PORT",
    "top_k": "BERITA_TOP_K",
    "llm_base_url": "BERITA_LLM_BASE_URL",
    "llm_model": "BERITA_LLM_MODEL",
    "llm_api_key": "BERITA_LLM_API_KEY",
    "llm_gguf": "BERITA_LLM_GGUF",
    "llm_timeout": "BERITA_LLM_TIMEOUT",
    "host": "BERITA_HOST",
    "port": "BERITA_PORT",
    "auth": "BERITA_AUTH",
}


@dataclass(frozen=True)
class Settings:
    home: Path = PROJECT_ROOT / ".berita"
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
    embed_model: str = DEFAULT_MODEL
    encoder: str = "onnx"  # how the default model runs: ONNX Runtime, or "torch" (sentence-transformers)
    chroma_host: str = ""
    chroma_port: int = 8000
    top_k: int = 4
    llm_base_url: str = ""
    llm_model: str = "local"
    llm_api_key: str = "none"
    llm_gguf: str = ""
    llm_timeout: float = 30.0
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""

    @classmethod
    def load(cls, env: dict[str, str] | None = None, **flags) -> Settings:
        """Defaults, overridden by the environment, overridden by non-None flags."""
        env = os.environ if env is None else env
        values = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in _ENV.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = _convert(name, types[name], raw, var)
        for name, value in flags.items():
            if name not in types:
                raise ConfigError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = _convert(name, types[name], value, f"--{name.replace('_', '-')}")
        settings = replace(cls(), **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.encoder not in ENCODERS:
            raise ConfigError(f"encoder must be one of {', '.join(ENCODERS)}, got {self.encoder!r}")
        if not 1 <= self.top_k <= 50:
            raise ConfigError(f"top_k must be between 1 and 50, got {self.top_k}")
        for name in ("port", "chroma_port"):
            if not 1 <= getattr(self, name) <= 65535:
                raise ConfigError(f"{name} must be a TCP port (1-65535), got {getattr(self, name)}")
        if self.auth and ":" not in self.auth:
            raise ConfigError("auth must look like user:password (BERITA_AUTH or --auth)")
        if self.llm_timeout <= 0:
            raise ConfigError("llm_timeout must be a positive number of seconds")

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def cache_dir(self) -> Path:
        """Vectors kept between runs (rebuilt when deleted)."""
        return self.home / "cache"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "articles"

    @property
    def use_chroma_server(self) -> bool:
        return bool(self.chroma_host)


def _convert(name: str, kind, raw, source: str):
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        return str(raw)
    except ValueError:
        raise ConfigError(f"{source}: {raw!r} is not a valid {kind} for {name}") from None
