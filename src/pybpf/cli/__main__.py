"""``python -m pybpf.cli``: the same as the ``pybpf`` command."""

import sys

from ._main import main

sys.exit(main())
