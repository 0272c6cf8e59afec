import sys

from custdash.cli import main

if __name__ == "__main__":  # not when the importer's reading process re-imports this module
    sys.exit(main())
