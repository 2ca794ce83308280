"""The page: components, their labels in the interface language, and the event wiring.

``build_demo(assistant, settings)`` is the factory. The page script and style live in
``static/`` and reach the browser through ``launch(**page_assets())`` (Gradio 6 takes
``css``/``js`` in ``launch``, no longer in ``Blocks``); ``launch_options`` includes them.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from app import render
from app.ui.chat import ChatUI
from app.ui.library import LibraryUI
from app.ui.strings import DEFAULT_LANGUAGE, strings

STATIC = Path(__file__).with_name("static")
EXAMPLES = [
    "When was the Arctic exercise?",
    "Kapan Belousov mengunjungi Beijing?",
    "Siapa yang ditemui Belousov?",
    "How much did China-Russia trade increase?",
    "Apa isi perjanjian no limit partnership?",
]
LANGUAGES = [("English", "en"), ("Bahasa Indonesia", "id")]
# Event hooks call what static/page.js defines; after an answer only the article panel scrolls,
# after a click on a citation the panel may also come into view.
AFTER_ANSWER_JS = "() => window.berita && window.berita.showHighlight(false)"
AFTER_CLICK_JS = "() => window.berita && window.berita.showHighlight(true)"


def page_assets() -> dict[str, str]:
    """The page script and style, read from their files (at startup, once per launch)."""
    return {
        "js": (STATIC / "page.js").read_text(encoding="utf-8"),
        "css": (STATIC / "style.css").read_text(encoding="utf-8"),
    }


class Page:
    """The components of the page (built inside a ``gr.Blocks`` context) and their events."""

    def __init__(self, chat_ui: ChatUI, library_ui: LibraryUI, top_k: int):
        self.chat_ui, self.library_ui = chat_ui, library_ui
        t = strings(DEFAULT_LANGUAGE)
        self.turns = gr.State([])
        with gr.Row(elem_id="top"):
            self.header = gr.Markdown(self._header(t))
            self.ui_lang = gr.Radio(
                LANGUAGES, value=DEFAULT_LANGUAGE, label=t["ui_lang"], scale=0, min_width=260, elem_id="ui-lang"
            )
        with gr.Row():
            with gr.Column(scale=3):
                self.chat = gr.Chatbot(label=t["chat"], height=460, elem_id="chat", buttons=["copy"])
                self.box = gr.Textbox(
                    label=t["question"],
                    placeholder=t["placeholder"],
                    lines=1,
                    max_lines=4,
                    elem_id="question",
                    submit_btn=False,
                )
                with gr.Row():
                    self.send = gr.Button(t["send"], variant="primary", elem_id="send")
                    self.new = gr.Button(t["new"], elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=[self.box], label=t["examples"])
            with gr.Column(scale=2):
                self.sources = gr.HTML(render.sources_html(None, 0, t), elem_id="sources")
                self.article = gr.HTML(render.article_html(None, [], None, 0, t), elem_id="article")
        with gr.Accordion(t["settings"], open=False) as self.settings_box:
            backends = chat_ui.backends(t)
            self.backend = gr.Radio(backends, value=backends[-1][1], label=t["backend"])  # the model when there is one
            self.top_k = gr.Slider(1, 10, value=top_k, step=1, label=t["top_k"])
            self.details = gr.Checkbox(False, label=t["details"])
        with gr.Accordion(t["articles"], open=False, elem_id="articles") as self.articles_box:
            listing, removable = library_ui.listing(DEFAULT_LANGUAGE)
            self.library = gr.Markdown(listing, elem_id="library")
            self.upload = gr.File(label=t["upload"], file_types=[".txt", ".md"], type="filepath", elem_id="upload")
            with gr.Row():
                self.paste_title = gr.Textbox(label=t["paste_title"], max_lines=1)
                self.paste_text = gr.Textbox(label=t["paste_text"], lines=4)
            self.add = gr.Button(t["add"])
            with gr.Row():
                self.remove_pick = gr.Dropdown(removable["choices"], label=t["remove_pick"], value=None)
                self.remove = gr.Button(t["remove"], variant="stop")
            self.status = gr.Markdown(elem_id="status")
        self.cite_target = gr.Textbox(visible="hidden", elem_id="cite-target")

    @staticmethod
    def _header(t) -> str:
        return f"## {t['title']}\n{t['intro']}"

    def relabel(self, ui_lang) -> dict:
        """Every label in the chosen language, as {component: update} (the outputs are these keys)."""
        t = strings(ui_lang)
        return {
            self.header: self._header(t),
            self.box: gr.update(label=t["question"], placeholder=t["placeholder"]),
            self.send: gr.update(value=t["send"]),
            self.new: gr.update(value=t["new"]),
            self.chat: gr.update(label=t["chat"]),
            self.settings_box: gr.update(label=t["settings"]),
            self.backend: gr.update(label=t["backend"], choices=self.chat_ui.backends(t)),
            self.top_k: gr.update(label=t["top_k"]),
            self.details: gr.update(label=t["details"]),
            self.articles_box: gr.update(label=t["articles"]),
            self.upload: gr.update(label=t["upload"]),
            self.paste_title: gr.update(label=t["paste_title"]),
            self.paste_text: gr.update(label=t["paste_text"]),
            self.add: gr.update(value=t["add"]),
            self.remove_pick: gr.update(label=t["remove_pick"]),
            self.remove: gr.update(value=t["remove"]),
            self.ui_lang: gr.update(label=t["ui_lang"]),
            self.library: self.library_ui.listing(ui_lang)[0],
        }

    def relabelled(self) -> list:
        """The outputs of ``relabel``: the keys it returns, in a stable order."""
        return list(self.relabel(DEFAULT_LANGUAGE))

    def wire(self) -> None:
        chat, lib = self.chat_ui, self.library_ui
        outputs = [self.chat, self.box, self.sources, self.article, self.turns]
        args = [self.box, self.chat, self.turns, self.backend, self.top_k, self.details, self.ui_lang]
        for ask in (self.box.submit, self.send.click):
            ask(chat.respond, args, outputs, api_name=False).then(None, js=AFTER_ANSWER_JS)
        self.new.click(chat.new_chat, [self.ui_lang], outputs, api_name=False)
        # .change, not .input: Gradio 6's Textbox fires "input" on keypress only, never for the
        # value page.js sets; every click sets a new value (a nonce), so "change" fires each time.
        self.cite_target.change(
            chat.show_citation,
            [self.cite_target, self.turns, self.details, self.ui_lang],
            [self.sources, self.article],
            api_name=False,
        ).then(None, js=AFTER_CLICK_JS)
        changed = [self.status, self.library, self.remove_pick]
        # the file box empties after each upload, added or refused, ready for the next file
        self.upload.upload(lib.add_file, [self.upload, self.ui_lang], changed, api_name=False).then(
            lambda: None, None, self.upload, api_name=False
        )
        self.add.click(lib.add_text, [self.paste_title, self.paste_text, self.ui_lang], changed, api_name=False)
        self.remove.click(lib.remove, [self.remove_pick, self.ui_lang], changed, api_name=False)
        self.ui_lang.change(self.relabel, [self.ui_lang], self.relabelled(), api_name=False)
        # Named HTTP endpoints (gradio_client): /answer, /add_article, /remove_article, /articles.
        gr.api(chat.answer_api, api_name="answer")
        gr.api(lib.add_article_api, api_name="add_article")
        gr.api(lib.remove_article_api, api_name="remove_article")
        gr.api(lib.articles_api, api_name="articles")


def build_demo(assistant, settings) -> gr.Blocks:
    with gr.Blocks(title="Berita QA") as demo:
        page = Page(ChatUI(assistant), LibraryUI(assistant.index), settings.top_k)
        page.wire()
        # every page load lists the library as it is now: other users and processes change it
        demo.load(page.library_ui.listing, [page.ui_lang], [page.library, page.remove_pick], api_name=False)
    return demo
