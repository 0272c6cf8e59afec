"""custdash: the branch customer-operations dashboard (`streamlit run app.py`).

Navigation only. Every page in pages/ sets itself up through custdash.ui.page(), so a
page opened directly by URL is guarded the same way.
"""

from custdash import ui

ui.run_app()
