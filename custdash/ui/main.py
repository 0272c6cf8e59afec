"""The script custdash.server serves: app.py's body, from a folder with no pages/ beside it.

Served as app.py, Streamlit would discover ../pages/ on a fresh server and list those files by
name ("app, alliance, audit…") until the navigation first runs, and open them by URL outside it.
From here it discovers nothing: the navigation (ui.run_app) is the only one, every page in it.
"""

from custdash import ui

ui.run_app()
