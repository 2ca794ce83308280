"""The Gradio app: chat, sources panel, the article with the cited sentence highlighted.

``layout`` builds the page (``build_demo(assistant, settings)``) and wires its events to the
handlers in ``chat`` and ``library``; interface strings are in ``strings.json``, the page
script and style in ``static/``. ``app/webapp.py`` holds a module-level ``demo`` for
``gradio app/webapp.py`` reloads; launch it with ``launch_options`` so the style comes along.
"""

from __future__ import annotations

import sys
import threading

from app.ui.chat import ChatUI
from app.ui.layout import build_demo, page_assets
from app.ui.library import LibraryUI
from app.ui.strings import languages, strings

__all__ = ["LABELS", "ChatUI", "LibraryUI", "build_demo", "launch_options", "serve", "strings"]

# language → its strings, for code that wants them all at once (e.g. tests of render.py);
# each still fails loudly on a missing name. New code: strings(lang).
LABELS = {lang: strings(lang) for lang in languages()}

MAX_UPLOAD_BYTES = 800_000  # an article is a few thousand characters; larger uploads are refused by Gradio


def launch_options(settings) -> dict:
    """Loopback by default, never a public share link; login only when BERITA_AUTH is set;
    the page script and style (Gradio 6 takes them in launch(), not in Blocks)."""
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    return dict(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        ssr_mode=False,
        max_file_size=MAX_UPLOAD_BYTES,
        quiet=True,
        footer_links=["api"],
        **page_assets(),
    )


def serve(settings) -> int:
    from app.service import build_assistant
    from index.service import release_free_memory

    print(f"Loading the model and the index (BERITA_HOME={settings.home}) …", flush=True)
    assistant = build_assistant(settings)
    release_free_memory()  # what reading the whole index at start left behind
    demo = build_demo(assistant, settings)
    demo.queue(default_concurrency_limit=4).launch(prevent_thread_lock=True, **launch_options(settings))
    print(f"Open http://{settings.host}:{settings.port} in a browser (Ctrl+C to stop).", flush=True)
    # The answerer's corpus is built once the page is served: the first question waits for it,
    # the page does not.
    threading.Thread(target=_warm_up, args=(assistant,), name="warm-up", daemon=True).start()
    demo.block_thread()
    return 0


def _warm_up(assistant) -> None:
    """The warm-up thread: a failure is one line (questions then build what they need)."""
    from index.errors import BeritaError
    from index.service import release_free_memory

    try:
        assistant.warm_up()
    except BeritaError as exc:
        print(f"warm-up skipped: {exc}", file=sys.stderr, flush=True)
    except Exception as exc:  # noqa: BLE001 - never a traceback on the user's terminal
        print(f"warm-up skipped ({type(exc).__name__}: {exc}); answers still work", file=sys.stderr, flush=True)
    release_free_memory()
