"""BPF helper functions (https://man7.org/linux/man-pages/man7/bpf-helpers.7.html) and kfuncs
(https://docs.kernel.org/bpf/kfuncs.html): the registries of declarations, and their
implementations over pybpf's maps, clock and trace.
"""

from __future__ import annotations

from ..engine import HelperTable
from . import (  # noqa: F401
    _callbacks,
    _checked_first,
    _dynptr,
    _graph_impl,
    _iter_bits,
    _maps,
    _misc,
    _packet,
    _perf,
    _ringbuf,
    _room,
    _skb_meta,
    _sock_redirect,
    _sockets,
    _storage,
    _strings,
    _sysctl,
    _task,
    _time,
    _timer,
    _trace,
    _tracing,
    _tunnel,
    _unmodelled,
    _vma,
)
from ._format import format_bpf as format_bpf
from ._host import HelperHost as HelperHost
from ._impl import IMPLEMENTATIONS
from ._kfunc_impl import KFUNC_IMPLEMENTATIONS
from ._kfuncs import GENERIC_PROG_TYPES as GENERIC_PROG_TYPES
from ._kfuncs import KFUNCS as KFUNCS
from ._kfuncs import KFUNCS_BY_NAME as KFUNCS_BY_NAME
from ._kfuncs import KfArg as KfArg
from ._kfuncs import KfFlag as KfFlag
from ._kfuncs import KfParam as KfParam
from ._kfuncs import KfRet as KfRet
from ._kfuncs import KfuncProto as KfuncProto
from ._kfuncs import kfunc_proto as kfunc_proto
from ._registry import BY_ID as BY_ID
from ._registry import BY_NAME as BY_NAME
from ._registry import HELPERS as HELPERS
from ._registry import Arg as Arg
from ._registry import HelperProto as HelperProto
from ._registry import Ret as Ret
from ._registry import helper_proto as helper_proto


def linux_helpers(*, privileged: bool = True) -> HelperTable:
    """The implemented Linux helpers by id; without ``privileged``, the CAP_BPF ones are absent."""
    return {
        id_: fn
        for id_, fn in IMPLEMENTATIONS.items()
        if privileged or not BY_ID[id_].privileged
    }


def linux_kfuncs() -> HelperTable:
    """The implemented kfuncs by registry id (the immediate the loader gives kfunc calls)."""
    return dict(KFUNC_IMPLEMENTATIONS)
