() => {
  // The page script, read at startup and passed to launch(js=...): Gradio runs this function once
  // when the page loads (comments stay inside it: Gradio wraps the text as an expression).
  // Event hooks in layout.py call window.berita.showHighlight afterwards.

  // Clicks on [n] markers and sources: set the hidden target box; the server renders the article.
  const pick = (target) => {
    const box = document.querySelector('#cite-target textarea, #cite-target input');
    if (!box) return;
    box.value = target + '|' + Date.now();  // a nonce: clicking the same marker twice still fires
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#cite-"]');
    if (link) {
      event.preventDefault();
      event.stopPropagation();
      pick(link.getAttribute('href').slice(6));
      return;
    }
    const source = event.target.closest('[data-cite]');
    if (source) pick(source.getAttribute('data-cite'));
  }, true);
  document.addEventListener('keydown', (event) => {
    const source = event.target.closest && event.target.closest('[data-cite]');
    if (source && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      pick(source.getAttribute('data-cite'));
    }
  });

  // Centre the highlighted sentence inside the article panel by setting the panel's own
  // scrollTop: scrollIntoView would also scroll the window, and on a phone (panels stacked)
  // that carries the page away from the answer just sent. Only a click on a citation asks
  // for the panel itself to come into view (bringPanel).
  const showHighlight = (bringPanel) => {
    window.berita.runs += 1;  // lets a test (or a curious reader) wait until a render has been shown
    const panel = document.querySelector('#article .article');
    const mark = panel && panel.querySelector('mark.active');
    if (!mark) return;
    const offset = mark.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
    panel.scrollTop = Math.max(0, offset - (panel.clientHeight - mark.offsetHeight) / 2);
    if (bringPanel) mark.scrollIntoView({block: 'nearest'});
  };
  window.berita = {showHighlight, runs: 0};
}
