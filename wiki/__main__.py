import sys

from wiki.cli import main

sys.exit(main())
