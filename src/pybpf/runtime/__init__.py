"""The runtime: loading object files into live maps and programs, running them, and the object
table that decides when maps and programs are freed (see DESIGN.md's public API).
"""

from ._compile import compile_c as compile_c
from ._errors import CompileError as CompileError
from ._errors import TestRunError as TestRunError
from ._globals import Globals as Globals
from ._host import TraceRecord as TraceRecord
from ._map import Map as Map
from ._object import Object as Object
from ._program import Link as Link
from ._program import Program as Program
from ._program import TestRunResult as TestRunResult
from ._runtime import Runtime as Runtime
from ._struct_ops import StructOps as StructOps
from ._struct_ops import StructOpsCall as StructOpsCall
from ._struct_ops import StructOpsLink as StructOpsLink
from ._task import Task as Task
