"""The customer page (客户360): one customer, why they are on each list, and every contact."""

import streamlit as st

from custdash import ui

view = ui.page("customer")
customer_id = ui.pick_customer(view)
if customer_id is not None:
    one = ui.data(view, "customer", customer_id=customer_id)
    if one is None:  # moved out of the viewer's scope since the search
        st.warning(view.t("customer.gone"), icon=":material/block:")
    else:
        ui.audit_opened(view, customer_id)
        ui.show_customer(view, one)
