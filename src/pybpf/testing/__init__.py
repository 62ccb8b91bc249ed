"""Tools for testing BPF programs and engines: the bpf_conformance runner (and, later, the
pytest plugin). See https://github.com/Alan-Jowett/bpf_conformance for the vector format.
"""

from ._conformance import CONFORMANCE_HELPERS as CONFORMANCE_HELPERS
from ._conformance import GROUPS as GROUPS
from ._conformance import Outcome as Outcome
from ._conformance import Vector as Vector
from ._conformance import parse_vector as parse_vector
from ._conformance import program_needs as program_needs
from ._conformance import run_directory as run_directory
from ._conformance import run_vector as run_vector
