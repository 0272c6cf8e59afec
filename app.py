"""custdash dashboard entry point (placeholder until the pages land)."""

import streamlit as st

st.set_page_config(page_title="custdash", layout="wide")
st.title("custdash")
st.write("The dashboard pages are being built; the data core is ready: see `python -m custdash --help`.")
