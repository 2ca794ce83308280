"""The project's exceptions: each message says what went wrong and what to do."""


class BeritaError(Exception):
    """Base class; the CLI and UI show ``str(exc)`` as one line, never a traceback."""


class ConfigError(BeritaError):
    """A setting has an invalid value."""


class ModelError(BeritaError):
    """The embedding or chat model cannot be loaded or used."""


class DocumentError(BeritaError):
    """An article cannot be read or is not acceptable (empty, too large, wrong type)."""


class IndexNotBuiltError(BeritaError):
    """Retrieval was asked for before the index exists."""

    def __init__(self, message: str = "index not built: run `python -m index build`"):
        super().__init__(message)


class StoreError(BeritaError):
    """The Chroma store (local folder or server) cannot be reached or written."""


class InputError(BeritaError):
    """A question or other user input is unusable."""


def run_cli(run, args) -> int:
    """Run a CLI command: project errors become one ``error:`` line and exit 2, never a traceback."""
    import sys

    try:
        return run(args)
    except BeritaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line for the user; BERITA_DEBUG=1 shows the traceback
        import os

        if os.environ.get("BERITA_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set BERITA_DEBUG=1 for details and report it)",
              file=sys.stderr)
        return 1
