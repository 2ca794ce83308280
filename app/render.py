"""HTML and Markdown for the UI. Every piece of user or article text is escaped here.

Highlights come from citation offsets (``source[start:end]``), never from searching
for the text, so what is marked is exactly what was cited.
"""

from __future__ import annotations

import html
import re

from app.result import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def escape_md(text: str) -> str:
    """Text shown literally by a Markdown renderer that also accepts HTML."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _escape_keeping_bold(text: str) -> str:
    """Escaped text; the answerer's own ``**span**`` (the likely answer in a quote) stays bold."""
    pieces = text.split("**")
    if len(pieces) % 2 == 0:  # an unpaired marker is just text
        return escape_md(text)
    return "".join(f"**{escape_md(p)}**" if i % 2 and p else escape_md(p) for i, p in enumerate(pieces))


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat bubble: escaped text, [n] markers as links the page script turns into clicks."""
    parts, pos = [], 0
    known = {c.n for c in answer.citations}
    for m in _MARKER.finditer(answer.text):
        parts.append(_escape_keeping_bold(answer.text[pos : m.start()]))
        n = int(m.group(1))
        parts.append(f"[\\[{n}\\]](#cite-{turn}-{n})" if n in known else escape_md(m.group()))
        pos = m.end()
    parts.append(_escape_keeping_bold(answer.text[pos:]))
    body = "".join(parts)
    if not answer.answerable:
        body = "> " + body  # refusals look different: a quote block
    notes = "".join(f"\n\n*{escape_md(n)}*" for n in answer.notices)
    return body + notes


def sources_html(answer: Answer | None, turn: int, labels: dict, details: bool = False) -> str:
    if answer is None:
        return f'<div class="sources empty">{html.escape(labels["no_sources"])}</div>'
    items = []
    cited = answer.citations or answer.related
    heading = labels["sources"] if answer.citations else labels["related"]
    for c in cited:
        passage = _passage_for(answer, c)
        items.append(
            f'<li class="source" data-cite="{turn}-{c.n}" tabindex="0" role="button">'
            f'<div class="source-head"><span class="num">[{c.n}]</span> {html.escape(c.title)}'
            f" · ¶{c.paragraph}</div>"
            f'<div class="source-text">{passage}</div></li>'
            if answer.citations
            else f'<li class="source related" data-cite="{turn}-r{c.n}" tabindex="0" role="button">'
            f'<div class="source-head">{html.escape(c.title)} · ¶{c.paragraph}</div>'
            f'<div class="source-text">{html.escape(c.text)}</div></li>'
        )
    out = f'<div class="sources"><h4>{html.escape(heading)}</h4><ol>{"".join(items)}</ol>'
    if details:
        rows = "".join(
            f"<tr><td>{i}</td><td>{html.escape(p.title[:40])} ¶{p.paragraph}</td><td>{p.start}:{p.end}</td>"
            f"<td>{p.score:.4f}</td><td>{'-' if p.dense is None else f'{p.dense:.3f}'}</td><td>{p.lexical:.2f}</td>"
            f"</tr>"
            for i, p in enumerate(answer.passages, start=1)
        )
        timings = ", ".join(f"{html.escape(k)} {v:.0f} ms" for k, v in answer.timings_ms.items())
        out += (
            f'<details open class="retrieval"><summary>{html.escape(labels["details"])}</summary>'
            f"<p>query: <code>{html.escape(answer.query)}</code></p>"
            f"<table><tr><th>#</th><th>passage</th><th>offsets</th><th>fused</th><th>dense</th><th>bm25</th></tr>"
            f"{rows}</table><p>{timings}</p></details>"
        )
    return out + "</div>"


def _passage_for(answer: Answer, c: Citation) -> str:
    """The retrieved passage holding the citation, with the cited sentence marked."""
    for p in answer.passages:
        if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end:
            a, b = c.start - p.start, c.end - p.start
            return f"{html.escape(p.text[:a])}<mark>{html.escape(p.text[a:b])}</mark>{html.escape(p.text[b:])}"
    return f"<mark>{html.escape(c.text)}</mark>"


def article_html(doc, citations: list[Citation], active: int | None, turn: int, labels: dict) -> str:
    """The whole article with the given citations marked; ``active`` gets the strong highlight."""
    if doc is None:
        return f'<div class="article empty">{html.escape(labels["no_article"])}</div>'
    text = doc.text
    spans = sorted((c for c in citations if c.doc_id == doc.id), key=lambda c: c.start)
    parts, pos = [], doc.body_start
    for c in spans:
        if c.start < pos or text[c.start : c.end] != c.text:  # overlapping or stale: never guess
            continue
        parts.append(html.escape(text[pos : c.start]))
        cls = "cited active" if c.n == active else "cited"
        parts.append(
            f'<mark class="{cls}" id="art-{turn}-{c.n}" data-start="{c.start}" data-end="{c.end}">'
            f'{html.escape(text[c.start : c.end])}</mark><sup class="cite-num">[{c.n}]</sup>'
        )
        pos = c.end
    parts.append(html.escape(text[pos:]))
    body = "".join(parts)
    return (
        f'<div class="article" data-doc="{html.escape(doc.id)}"><h3>{html.escape(doc.title)}</h3>'
        f'<div class="article-body">{body}</div></div>'
    )
