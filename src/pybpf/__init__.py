"""pybpf: a userspace eBPF runtime with the Linux kernel's bpf_timer.

Every error pybpf raises on purpose derives from :class:`PybpfError`; all of them are exported
here. See DESIGN.md for the architecture and the public API.
"""

from ._errors import NotSupportedError as NotSupportedError
from ._errors import PybpfError as PybpfError
from .elf import ElfError as ElfError
from .engine import BpfRuntimeError as BpfRuntimeError
from .engine import InstructionLimitError as InstructionLimitError
from .engine import OutOfBoundsError as OutOfBoundsError
from .isa import AsmError as AsmError
from .isa import InstructionError as InstructionError
from .maps import KeyNotExistError as KeyNotExistError
from .maps import MapError as MapError
from .verifier import VerifierError as VerifierError

__version__ = "0.1.0"
