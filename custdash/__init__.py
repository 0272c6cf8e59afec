"""custdash: the library behind the branch customer-operations dashboard."""
