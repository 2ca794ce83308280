"""The Gradio app: chat, sources panel, the article with the cited sentence highlighted.

``build_demo(assistant, settings)`` is the factory; handlers are plain methods of
``ChatUI`` (generators where they stream), unit-tested directly. ``app/webapp.py``
holds a module-level ``demo`` for ``gradio app/webapp.py`` reloads.
"""

from __future__ import annotations

import time
from pathlib import Path

import gradio as gr

from app import render
from app.result import Answer
from index.documents import load_file, make_document
from index.errors import BeritaError, DocumentError
from index.library import delete_upload, save_upload

STREAM_INTERVAL = 0.05  # seconds between UI updates while tokens stream
MAX_UPLOAD_BYTES = 800_000

LABELS = {
    "en": {
        "title": "Ask the article",
        "intro": "Ask in English or Indonesian. Click a [n] marker or a source to see it in the article.",
        "question": "Your question",
        "placeholder": "e.g. When was the Arctic exercise?",
        "send": "Send",
        "new": "New chat",
        "chat": "Chat",
        "sources": "Sources",
        "related": "Related passages (not an answer)",
        "no_sources": "No sources yet.",
        "article": "Article",
        "no_article": "Ask a question to see the cited sentence here.",
        "settings": "Settings",
        "backend": "Answer backend",
        "offline": "Offline (extractive)",
        "llm": "Language model",
        "top_k": "Passages to retrieve",
        "details": "Show retrieval details",
        "articles": "Articles",
        "upload": "Add a .txt or .md file (first line = title)",
        "paste_title": "Title",
        "paste_text": "Text",
        "add": "Add article",
        "remove": "Remove",
        "remove_pick": "Added article to remove",
        "added": "Added “{title}” ({chunks} passages).",
        "removed": "Removed “{title}”.",
        "ui_lang": "Interface language",
        "examples": "Examples",
        "library": "Indexed articles",
        "bundled": "bundled",
        "uploaded": "added",
    },
    "id": {
        "title": "Tanya artikel",
        "intro": (
            "Bertanya dalam bahasa Indonesia atau Inggris. "
            "Klik penanda [n] atau sumber untuk melihatnya di artikel."
        ),
        "question": "Pertanyaan Anda",
        "placeholder": "mis. Kapan latihan di Samudra Arktik?",
        "send": "Kirim",
        "new": "Obrolan baru",
        "chat": "Obrolan",
        "sources": "Sumber",
        "related": "Bagian terkait (bukan jawaban)",
        "no_sources": "Belum ada sumber.",
        "article": "Artikel",
        "no_article": "Ajukan pertanyaan untuk melihat kalimat yang dikutip di sini.",
        "settings": "Pengaturan",
        "backend": "Mesin jawaban",
        "offline": "Luring (ekstraktif)",
        "llm": "Model bahasa",
        "top_k": "Jumlah bagian yang dicari",
        "details": "Tampilkan detail pencarian",
        "articles": "Artikel",
        "upload": "Tambah berkas .txt atau .md (baris pertama = judul)",
        "paste_title": "Judul",
        "paste_text": "Teks",
        "add": "Tambah artikel",
        "remove": "Hapus",
        "remove_pick": "Artikel tambahan yang dihapus",
        "added": "“{title}” ditambahkan ({chunks} bagian).",
        "removed": "“{title}” dihapus.",
        "ui_lang": "Bahasa antarmuka",
        "examples": "Contoh",
        "library": "Artikel terindeks",
        "bundled": "bawaan",
        "uploaded": "tambahan",
    },
}
EXAMPLES = [
    "When was the Arctic exercise?",
    "Kapan Belousov mengunjungi Beijing?",
    "Siapa yang ditemui Belousov?",
    "How much did China-Russia trade increase?",
    "Apa isi perjanjian no limit partnership?",
]

# Clicks on [n] markers and sources: set the hidden target box and let the server
# render the article; then scroll the highlighted sentence into view.
PAGE_JS = """
() => {
  const pick = (target) => {
    const box = document.querySelector('#cite-target textarea, #cite-target input');
    if (!box) return;
    box.value = target + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#cite-"]');
    if (link) { event.preventDefault(); event.stopPropagation(); pick(link.getAttribute('href').slice(6)); return; }
    const source = event.target.closest('[data-cite]');
    if (source) { pick(source.getAttribute('data-cite')); }
  }, true);
  document.addEventListener('keydown', (event) => {
    const source = event.target.closest && event.target.closest('[data-cite]');
    if (source && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault(); pick(source.getAttribute('data-cite'));
    }
  });
}
"""
SCROLL_JS = (
    "() => { const m = document.querySelector('#article mark.active'); if (m) m.scrollIntoView({block: 'center'}); }"
)
CSS = """
#chat strong { font: inherit; font-weight: 700; }  /* the likely answer in a quote: bold, same face and size */
#article .article { max-height: 460px; overflow-y: auto; padding-right: .5em; }
#article .article-body { white-space: pre-wrap; line-height: 1.6; }
#article mark.cited { background: #fff3b0; }
#article mark.active { background: #ffb347; outline: 2px solid #e07b00; }
#sources .source { cursor: pointer; margin-bottom: .6em; }
#sources .source:hover { background: rgba(255, 179, 71, .15); }
#sources mark { background: #fff3b0; }
#sources .related { opacity: .85; }
#sources table { font-size: .85em; }
"""


class ChatUI:
    def __init__(self, assistant, settings):
        self.assistant = assistant
        self.settings = settings

    # -- chat ------------------------------------------------------------
    def respond(self, message, chat, turns, backend, k, details, ui_lang):
        """Generator: streams the answer into the chat; yields (chat, box, sources, article, turns)."""
        labels = LABELS.get(ui_lang, LABELS["en"])
        chat = list(chat or [])
        turns = list(turns or [])
        message = message or ""
        chat.append({"role": "user", "content": render.escape_md(message)})
        chat.append({"role": "assistant", "content": "…"})
        yield chat, "", gr.skip(), gr.skip(), turns
        history = [(t["question"], t["answer"].text) for t in turns]
        use = "extractive" if backend == "extractive" else None
        text, last = "", 0.0
        answer = None
        try:
            for kind, value in self.assistant.stream(message, history, backend=use, k=int(k) if k else None):
                if kind == "token":
                    text += value
                elif kind == "replace":
                    text = value
                elif kind == "done":
                    answer = value
                    continue
                if time.monotonic() - last >= STREAM_INTERVAL:
                    chat[-1] = {"role": "assistant", "content": render.escape_md(text)}
                    last = time.monotonic()
                    yield chat, "", gr.skip(), gr.skip(), turns
        except BeritaError as exc:
            chat[-1] = {"role": "assistant", "content": "> " + render.escape_md(str(exc))}
            yield chat, message, gr.skip(), gr.skip(), turns
            return
        turn = len(turns)
        turns.append({"question": message, "answer": answer})
        chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
        first = answer.citations[0].n if answer.citations else None
        yield (
            chat,
            "",
            render.sources_html(answer, turn, labels, details),
            self._article(answer, first, turn, labels),
            turns,
        )

    def new_chat(self, ui_lang):
        labels = LABELS.get(ui_lang, LABELS["en"])
        return [], "", render.sources_html(None, 0, labels), render.article_html(None, [], None, 0, labels), []

    def show_citation(self, target, turns, details, ui_lang):
        """``target`` is "turn-n" (a citation) or "turn-rn" (a related passage), plus a click nonce."""
        labels = LABELS.get(ui_lang, LABELS["en"])
        try:
            ref = (target or "").split("|")[0]
            turn_s, n_s = ref.split("-", 1)
            turn = int(turn_s)
            answer: Answer = turns[turn]["answer"]
            pool = answer.related if n_s.startswith("r") else answer.citations
            n = int(n_s.lstrip("r"))
            cited = next(c for c in pool if c.n == n)
        except (ValueError, IndexError, KeyError, StopIteration, TypeError):
            return gr.skip(), gr.skip()
        doc = self.assistant.index.documents().get(cited.doc_id)
        marks = [cited] if pool is answer.related else answer.citations
        return render.sources_html(answer, turn, labels, details), render.article_html(doc, marks, n, turn, labels)

    def _article(self, answer: Answer, active, turn, labels):
        cited = answer.citations[0] if answer.citations else (answer.related[0] if answer.related else None)
        docs = self.assistant.index.documents()
        doc = docs.get(cited.doc_id) if cited else next(iter(docs.values()), None)
        marks = answer.citations if answer.citations else []
        return render.article_html(doc, marks, active, turn, labels)

    # -- articles --------------------------------------------------------
    def library(self, ui_lang):
        labels = LABELS.get(ui_lang, LABELS["en"])
        uploads = self.settings.uploads_dir
        rows, removable = [], []
        for doc in self.assistant.index.documents().values():
            added = doc.source and Path(doc.source).parent == uploads
            rows.append(f"- {render.escape_md(doc.title)} *({labels['uploaded' if added else 'bundled']})*")
            if added:
                removable.append((doc.title, doc.id))
        return "\n".join(rows), gr.update(choices=removable, value=None)

    def add_file(self, file, ui_lang):
        if file is None:
            return self._status(DocumentError("choose a .txt or .md file first"), ui_lang)
        path = Path(file if isinstance(file, str) else getattr(file, "name", file))
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise DocumentError(f"{path.name} is larger than {MAX_UPLOAD_BYTES // 1000} kB: split it")
            doc = load_file(path)
            return self._add(doc, ui_lang)
        except BeritaError as exc:
            return self._status(exc, ui_lang)

    def add_text(self, title, text, ui_lang):
        try:
            return self._add(make_document(text or "", title=title or ""), ui_lang)
        except BeritaError as exc:
            return self._status(exc, ui_lang)

    def _add(self, doc, ui_lang):
        labels = LABELS.get(ui_lang, LABELS["en"])
        saved = save_upload(self.settings, doc)
        try:
            report = self.assistant.index.build()
        except Exception as exc:  # keep the library and the index in step: undo the file
            saved.unlink(missing_ok=True)
            self.assistant.index.build()
            raise DocumentError(f"could not index {doc.title!r} ({exc}); nothing was changed") from exc
        chunks = report.added
        return (labels["added"].format(title=render.escape_md(doc.title), chunks=chunks), *self.library(ui_lang))

    def remove(self, doc_id, ui_lang):
        labels = LABELS.get(ui_lang, LABELS["en"])
        try:
            if not doc_id:
                raise DocumentError("pick an added article to remove")
            doc = self.assistant.index.documents().get(doc_id)
            title = doc.title if doc else ""
            delete_upload(self.settings, doc_id)
            self.assistant.index.build()
        except BeritaError as exc:
            return self._status(exc, ui_lang)
        return (labels["removed"].format(title=render.escape_md(title)), *self.library(ui_lang))

    def _status(self, exc, ui_lang):
        return ("⚠️ " + render.escape_md(str(exc)), *self.library(ui_lang))

    # -- interface language ----------------------------------------------
    def relabel(self, ui_lang):
        t = LABELS.get(ui_lang, LABELS["en"])
        return (
            f"## {t['title']}\n{t['intro']}",
            gr.update(label=t["question"], placeholder=t["placeholder"]),
            gr.update(value=t["send"]),
            gr.update(value=t["new"]),
            gr.update(label=t["chat"]),
            gr.update(label=t["settings"]),
            gr.update(label=t["backend"], choices=self._backends(t)),
            gr.update(label=t["top_k"]),
            gr.update(label=t["details"]),
            gr.update(label=t["articles"]),
            gr.update(label=t["upload"]),
            gr.update(label=t["paste_title"]),
            gr.update(label=t["paste_text"]),
            gr.update(value=t["add"]),
            gr.update(label=t["remove_pick"]),
            gr.update(value=t["remove"]),
            gr.update(label=t["ui_lang"]),
            self.library(ui_lang)[0],
        )

    def _backends(self, labels):
        choices = [(labels["offline"], "extractive")]
        if self.assistant.has_llm:
            choices.append((labels["llm"], "llm"))
        return choices


def build_demo(assistant, settings) -> gr.Blocks:
    ui = ChatUI(assistant, settings)
    t = LABELS["en"]
    with gr.Blocks(title="Berita QA") as demo:
        # the style travels with the page, however it is launched (python -m app, gradio app/webapp.py)
        gr.HTML(f"<style>{CSS}</style>", padding=False, elem_id="page-style")
        turns = gr.State([])
        with gr.Row():
            header = gr.Markdown(f"## {t['title']}\n{t['intro']}")
            ui_lang = gr.Radio(
                [("English", "en"), ("Bahasa Indonesia", "id")],
                value="en",
                label=t["ui_lang"],
                scale=0,
                min_width=260,
                elem_id="ui-lang",
            )
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label=t["chat"], height=460, elem_id="chat", buttons=["copy"])
                box = gr.Textbox(
                    label=t["question"],
                    placeholder=t["placeholder"],
                    lines=1,
                    max_lines=4,
                    elem_id="question",
                    submit_btn=False,
                )
                with gr.Row():
                    send = gr.Button(t["send"], variant="primary", elem_id="send")
                    new = gr.Button(t["new"], elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=[box], label=t["examples"])
            with gr.Column(scale=2):
                sources = gr.HTML(render.sources_html(None, 0, t), elem_id="sources")
                article = gr.HTML(render.article_html(None, [], None, 0, t), elem_id="article")
        with gr.Accordion(t["settings"], open=False) as settings_box:
            backend = gr.Radio(ui._backends(t), value="llm" if assistant.has_llm else "extractive", label=t["backend"])
            top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label=t["top_k"])
            details = gr.Checkbox(False, label=t["details"])
        with gr.Accordion(t["articles"], open=False, elem_id="articles") as articles_box:
            library_md, remove_pick_init = ui.library("en")
            library = gr.Markdown(library_md, elem_id="library")
            upload = gr.File(label=t["upload"], file_types=[".txt", ".md"], type="filepath", elem_id="upload")
            with gr.Row():
                paste_title = gr.Textbox(label=t["paste_title"], max_lines=1)
                paste_text = gr.Textbox(label=t["paste_text"], lines=4)
            add = gr.Button(t["add"])
            with gr.Row():
                remove_pick = gr.Dropdown(remove_pick_init["choices"], label=t["remove_pick"], value=None)
                remove = gr.Button(t["remove"], variant="stop")
            status = gr.Markdown(elem_id="status")
        cite_target = gr.Textbox(visible="hidden", elem_id="cite-target")

        outputs = [chat, box, sources, article, turns]
        args = [box, chat, turns, backend, top_k, details, ui_lang]
        box.submit(ui.respond, args, outputs, api_name=False).then(None, js=SCROLL_JS)
        send.click(ui.respond, args, outputs, api_name=False).then(None, js=SCROLL_JS)
        new.click(ui.new_chat, [ui_lang], outputs, api_name=False)
        cite_target.input(
            ui.show_citation, [cite_target, turns, details, ui_lang], [sources, article], api_name=False
        ).then(None, js=SCROLL_JS)
        lib_out = [status, library, remove_pick]
        # library changes run one at a time: each re-syncs the index and the BM25 cache
        one = dict(api_name=False, concurrency_id="library", concurrency_limit=1)
        upload.upload(ui.add_file, [upload, ui_lang], lib_out, **one)
        add.click(ui.add_text, [paste_title, paste_text, ui_lang], lib_out, **one)
        remove.click(ui.remove, [remove_pick, ui_lang], lib_out, **one)
        ui_lang.change(
            ui.relabel,
            [ui_lang],
            [
                header,
                box,
                send,
                new,
                chat,
                settings_box,
                backend,
                top_k,
                details,
                articles_box,
                upload,
                paste_title,
                paste_text,
                add,
                remove_pick,
                remove,
                ui_lang,
                library,
            ],
            api_name=False,
        )
        gr.api(_api_answer(assistant), api_name="answer")
        demo.load(None, js=PAGE_JS)
    return demo


def _api_answer(assistant):
    def answer(question: str, history: list[list[str]] | None = None, backend: str = "auto") -> dict:
        """Answer a question about the indexed articles; returns the structured result."""
        use = None if backend == "auto" else backend
        try:
            return assistant.ask(question, history or [], backend=use).to_dict()
        except BeritaError as exc:
            return {"error": str(exc)}

    return answer


def launch_options(settings) -> dict:
    """Loopback by default, never a public share link; login only when BERITA_AUTH is set."""
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
    )


def serve(settings) -> int:
    from app.service import build_assistant

    print(f"Loading the model and the index (BERITA_HOME={settings.home}) …", flush=True)
    assistant = build_assistant(settings)
    assistant.warm_up()
    demo = build_demo(assistant, settings)
    print(f"Open http://{settings.host}:{settings.port} in a browser (Ctrl+C to stop).", flush=True)
    demo.queue(default_concurrency_limit=4).launch(**launch_options(settings))
    return 0
