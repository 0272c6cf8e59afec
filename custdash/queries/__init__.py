"""Per-view queries: no Streamlit here. Each takes a session first, then keyword-only
as_of, rules and scope, aggregates in the database and returns a DataFrame or dict."""

from custdash.queries.common import ALL, Scope, basis_month

__all__ = ["ALL", "Scope", "basis_month"]
