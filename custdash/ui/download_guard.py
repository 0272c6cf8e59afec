"""Streamlit's deferred downloads served only to the session that drew the button:
a guard laid over Streamlit's handler once per process, when the ui package is imported."""

from __future__ import annotations

import logging

log = logging.getLogger("custdash.ui")


def install() -> None:
    """Serve a deferred download only to the Streamlit session that drew its button.

    Streamlit 1.67 runs a deferred download for whichever session sends its file id (its
    handler ignores the asking session), so an id seen in one browser could be fetched from
    another. This wraps the handler to compare the two; it fails closed if Streamlit's
    internals change shape (downloads are then refused, never served to the wrong session)."""
    from streamlit.runtime import backend_operation_handler as ops

    handler = ops.DeferredFileHandler
    if getattr(handler.handle, "custdash_tied", False):
        return
    original = handler.handle

    async def handle(self, request, session_id):
        file_id = request.deferred_file.file_id
        try:
            owner = self._get_media_file_mgr()._deferred_callables[file_id]["session_id"]
        except (AttributeError, KeyError, TypeError):
            owner = None
        if owner is None or owner != session_id:
            log.warning("download %s refused: asked for by another session", file_id[:8])
            return ops.BackendOperationResponse(
                request_id=request.request_id, error_msg="Failed to generate file for download"
            )
        return await original(self, request, session_id)

    handle.custdash_tied = True  # type: ignore[attr-defined]
    handler.handle = handle
