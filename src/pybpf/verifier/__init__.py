"""Static safety checks at load, in the manner of the kernel's verifier
(https://docs.kernel.org/bpf/verifier.html), with its messages verbatim.
"""

from ._cfg import CallbackKind as CallbackKind
from ._cfg import CallSite as CallSite
from ._cfg import Structure as Structure
from ._cfg import Subprogram as Subprogram
from ._cfg import check_fields as check_fields
from ._cfg import check_structure as check_structure
from ._cfg import complete_log as complete_log
from ._cfg import verbose_lines as verbose_lines
from ._chains import check_stack_depth as check_stack_depth
from ._chains import estimate_stack_depths as estimate_stack_depths
from ._env import Facts as Facts
from ._env import VerifyInput as VerifyInput
from ._errors import VerifierError as VerifierError
from ._formats import check_format_strings as check_format_strings
from ._globals import GlobalArg as GlobalArg
from ._globals import GlobalFunc as GlobalFunc
from ._globals import GlobalKind as GlobalKind
from ._globals import prepare_global as prepare_global
from ._ksyms import PercpuVar as PercpuVar
from ._ldabs import check_abnormal_returns as check_abnormal_returns
from ._ldabs import returns_scalar as returns_scalar
from ._license import license_is_gpl_compatible as license_is_gpl_compatible
from ._registers import CALLEE_ENTRY_REGISTERS as CALLEE_ENTRY_REGISTERS
from ._registers import KERNEL_ENTRY_REGISTERS as KERNEL_ENTRY_REGISTERS
from ._registers import check_register_reads as check_register_reads
from ._state import MapInfo as MapInfo
from ._verifier import sanitize_dead_code as sanitize_dead_code
from ._verifier import verify as verify
