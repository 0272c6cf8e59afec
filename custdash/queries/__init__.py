"""Per-view queries: no Streamlit here. Each takes a session first, then keyword-only
as_of, rules and scope, aggregates in the database and returns a DataFrame or dict.
The rules they apply are custdash.expressions; the periods, custdash.calendar."""
