"""pybpf: a userspace eBPF runtime with the Linux kernel's bpf_timer.

Every error pybpf raises on purpose derives from :class:`PybpfError`; all of them are exported
here. See DESIGN.md for the architecture and the public API.
"""

from ._errors import NotSupportedError as NotSupportedError
from ._errors import PybpfError as PybpfError
from .btf import BtfError as BtfError
from .elf import ElfError as ElfError
from .engine import BpfRuntimeError as BpfRuntimeError
from .engine import InstructionLimitError as InstructionLimitError
from .engine import OutOfBoundsError as OutOfBoundsError
from .isa import AsmError as AsmError
from .isa import InstructionError as InstructionError
from .maps import BPF_ANY as BPF_ANY
from .maps import BPF_EXIST as BPF_EXIST
from .maps import BPF_F_LOCK as BPF_F_LOCK
from .maps import BPF_NOEXIST as BPF_NOEXIST
from .maps import KeyNotExistError as KeyNotExistError
from .maps import MapError as MapError
from .runtime import CompileError as CompileError
from .runtime import Link as Link
from .runtime import Map as Map
from .runtime import Object as Object
from .runtime import Program as Program
from .runtime import Runtime as Runtime
from .runtime import StructOps as StructOps
from .runtime import StructOpsCall as StructOpsCall
from .runtime import StructOpsLink as StructOpsLink
from .runtime import Task as Task
from .runtime import TestRunError as TestRunError
from .runtime import TestRunResult as TestRunResult
from .timers import SECOND as SECOND
from .timers import VirtualClock as VirtualClock
from .verifier import VerifierError as VerifierError

MILLISECOND = SECOND // 1000
MICROSECOND = SECOND // 1_000_000

__version__ = "0.1.0"
