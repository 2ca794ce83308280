"""``demo`` at module level, for ``gradio app/webapp.py`` (auto-reload while developing).

Importing this module loads the model and the index; everything else builds the demo
through ``app.ui.build_demo`` with its collaborators passed in.
"""

import sys
from pathlib import Path

# `gradio app/webapp.py` runs this file as a script: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.service import build_assistant  # noqa: E402
from app.ui import build_demo, launch_options  # noqa: E402
from index.settings import Settings  # noqa: E402

settings = Settings.load()
demo = build_demo(build_assistant(settings), settings)

if __name__ == "__main__":
    demo.queue().launch(**launch_options(settings))
