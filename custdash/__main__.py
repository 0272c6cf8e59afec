import sys

from custdash.cli import main

sys.exit(main())
