"""``demo`` at module level, for ``gradio app/webapp.py`` (auto-reload while developing).

Importing this module loads the model and the index; everything else builds the demo
through ``app.ui.build_demo`` with its collaborators passed in.
"""

from app.service import build_assistant
from app.ui import build_demo
from index.settings import Settings

settings = Settings.load()
demo = build_demo(build_assistant(settings), settings)

if __name__ == "__main__":
    from app.ui import launch_options

    demo.queue().launch(**launch_options(settings))
