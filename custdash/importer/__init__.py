"""Import a bank's CSV extract (the contract in docs/DATA_FORMAT.md).

converters: one converter per kind of column (cell and column form); spec: the contract's
files and columns, derived columns, row checks; reading: CSV into checked batches; worker:
reading in a second process; load: the all-or-nothing load into a store.
"""

from custdash.importer.converters import DATE_MAX, DATE_MIN
from custdash.importer.load import (
    PARALLEL_FROM_BYTES,
    ImportResult,
    clear_data,
    finish_load,
    import_extract,
    insert_batch,
    refresh_derived,
)
from custdash.importer.reading import BATCH_SIZE
from custdash.importer.spec import (
    CHANNELS,
    PRODUCTS,
    SPECS,
    FileSpec,
    ImportFailed,
    derive_columns,
    storage_names,
    write_extract,
)

__all__ = [
    "BATCH_SIZE",
    "CHANNELS",
    "DATE_MAX",
    "DATE_MIN",
    "PARALLEL_FROM_BYTES",
    "PRODUCTS",
    "SPECS",
    "FileSpec",
    "ImportFailed",
    "ImportResult",
    "clear_data",
    "derive_columns",
    "finish_load",
    "import_extract",
    "insert_batch",
    "refresh_derived",
    "storage_names",
    "write_extract",
]
