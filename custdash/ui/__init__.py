"""Streamlit glue, as a small package: resources and the View (state), sign-in (session),
the sidebar's filters kept in the URL (filters), navigation and the page guard
(navigation), data, tables and downloads (tables), working a list (work) and the
customer page (customer). Pages call `ui.page()` first and then
only read widgets, call `ui.data()` and render. Nothing outside custdash/ui and pages/
imports Streamlit.
"""

from custdash.ui import download_guard
from custdash.ui.customer import audit_opened, pick_customer, show_customer
from custdash.ui.filters import band_slider, scope_name, url_params
from custdash.ui.navigation import FAVICON, page, page_link, run_app
from custdash.ui.outcomes import outcome_csv, outcome_list_labels, outcome_rows
from custdash.ui.session import COOKIE, served_with_routes
from custdash.ui.state import View, current_lang, engine, plain, reading, rules_now
from custdash.ui.tables import DownloadRefused, data, delta, export_file, localise, show_list, show_queue
from custdash.views import SCREEN_ROWS, VIEWS

download_guard.install()

__all__ = [
    "COOKIE",
    "FAVICON",
    "SCREEN_ROWS",
    "VIEWS",
    "DownloadRefused",
    "View",
    "audit_opened",
    "band_slider",
    "current_lang",
    "data",
    "delta",
    "engine",
    "export_file",
    "localise",
    "outcome_csv",
    "outcome_list_labels",
    "outcome_rows",
    "page",
    "page_link",
    "pick_customer",
    "plain",
    "reading",
    "rules_now",
    "run_app",
    "scope_name",
    "served_with_routes",
    "show_customer",
    "show_list",
    "show_queue",
    "url_params",
]
