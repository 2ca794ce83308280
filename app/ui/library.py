"""Library handlers: list, add (file or pasted text), remove; and the library's HTTP endpoints.

They only call the index's library interface (``add_article``, ``add_file``,
``remove_article``, ``articles``); the index validates, serialises writers and leaves
everything unchanged when it refuses. A refusal becomes the one-line "⚠️ message" status
in the page, or ``{"error": message}`` over HTTP.
"""

import gradio as gr

from app import render
from app.ui.strings import strings
from index.errors import BeritaError, DocumentError

ADDED = "added"  # ArticleInfo.kind of an article a user added (the others are "bundled")


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


class LibraryUI:
    def __init__(self, index):
        self.index = index

    # -- page handlers: each returns (status, article list, remove-dropdown update) -------
    def listing(self, ui_lang):
        """The article list (Markdown, escaped) and the dropdown of removable (added) articles."""
        labels = strings(ui_lang)
        rows, removable = [], []
        for article in self.index.articles():
            rows.append(f"- {render.escape_md(article.title)} *({labels['kind_' + article.kind]})*")
            if article.kind == ADDED:
                removable.append((article.title, article.id))
        return "\n".join(rows), gr.update(choices=removable, value=None)

    def add_file(self, file, ui_lang):
        if not file:
            return self._refused(DocumentError(strings(ui_lang)["no_file"]), ui_lang)
        return self._change(lambda: self.index.add_file(str(file)), "added", ui_lang)

    def add_text(self, title, text, ui_lang):
        return self._change(lambda: self.index.add_article(title or "", text or ""), "added", ui_lang)

    def remove(self, article_id, ui_lang):
        if not article_id:
            return self._refused(DocumentError(strings(ui_lang)["no_pick"]), ui_lang)
        return self._change(lambda: self.index.remove_article(article_id), "removed", ui_lang)

    def _change(self, action, message, ui_lang):
        try:
            article = action()
        except BeritaError as exc:
            return self._refused(exc, ui_lang)
        status = strings(ui_lang)[message].format(title=render.escape_md(article.title), chunks=article.chunks)
        return (status, *self.listing(ui_lang))

    def _refused(self, exc, ui_lang):
        return ("⚠️ " + render.escape_md(one_line(exc)), *self.listing(ui_lang))

    # -- HTTP endpoints (gr.api reads the type hints: no postponed annotations here) -------
    def add_article_api(self, title: str, text: str) -> dict:
        """Add an article (title and text); returns {"id", "title", "chunks"} or {"error"}."""
        try:
            article = self.index.add_article(title, text)
        except BeritaError as exc:
            return {"error": one_line(exc)}
        return {"id": article.id, "title": article.title, "chunks": article.chunks}

    def remove_article_api(self, article_id: str) -> dict:
        """Remove an added article by id; returns {"id", "title"} or {"error"}."""
        try:
            article = self.index.remove_article(article_id)
        except BeritaError as exc:
            return {"error": one_line(exc)}
        return {"id": article.id, "title": article.title}

    def articles_api(self) -> list[dict] | dict:
        """Every indexed article: [{"id", "title", "kind" ("bundled" or "added"), "chunks"}], or {"error"}."""
        try:
            return [article.to_dict() for article in self.index.articles()]
        except BeritaError as exc:  # e.g. the Chroma server is down
            return {"error": one_line(exc)}
