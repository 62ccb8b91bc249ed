"""Executing validated BPF programs (https://www.rfc-editor.org/rfc/rfc9669.html), with the
memory model every engine shares: each byte a program touches belongs to a registered region.
"""

from ._budget import DEFAULT_MAX_INSTRUCTIONS as DEFAULT_MAX_INSTRUCTIONS
from ._budget import check_budget as check_budget
from ._context import MAX_CALL_FRAMES as MAX_CALL_FRAMES
from ._context import STACK_SIZE as STACK_SIZE
from ._context import ExecContext as ExecContext
from ._engine import Engine as Engine
from ._engine import EngineOptions as EngineOptions
from ._engine import HelperFn as HelperFn
from ._engine import HelperTable as HelperTable
from ._errors import BpfRuntimeError as BpfRuntimeError
from ._errors import InstructionLimitError as InstructionLimitError
from ._errors import OutOfBoundsError as OutOfBoundsError
from ._interp import Interpreter as Interpreter
from ._memory import EVERYTHING as EVERYTHING
from ._memory import AddressSpace as AddressSpace
from ._memory import Area as Area
from ._memory import Region as Region
from ._memory import SlotArea as SlotArea
from ._memory import Visibility as Visibility
from ._tiered import ENGINES as ENGINES
from ._tiered import create_engine as create_engine
from ._tiered import engine_class as engine_class
from ._tiered import jit_available as jit_available
from ._tiered import native_listing as native_listing
