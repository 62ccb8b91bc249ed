"""Clocks and the timer queue behind ``struct bpf_timer``
(https://docs.kernel.org/bpf/kfuncs.html and the kernel's ``bpf: Introduce bpf timers``).
"""

from ._clock import CLOCK_BOOTTIME as CLOCK_BOOTTIME
from ._clock import CLOCK_MONOTONIC as CLOCK_MONOTONIC
from ._clock import CLOCK_REALTIME as CLOCK_REALTIME
from ._clock import CLOCK_TAI as CLOCK_TAI
from ._clock import SECOND as SECOND
from ._clock import Clock as Clock
from ._clock import check_duration as check_duration
from ._clock import check_time as check_time
from ._deadlines import Deadlines as Deadlines
from ._real import RealClock as RealClock
from ._timer import BPF_F_TIMER_ABS as BPF_F_TIMER_ABS
from ._timer import BPF_F_TIMER_CPU_PIN as BPF_F_TIMER_CPU_PIN
from ._timer import KTIME_SAFE_MAX as KTIME_SAFE_MAX
from ._timer import TIMER_CHARGE as TIMER_CHARGE
from ._timer import HrtimerHook as HrtimerHook
from ._timer import IrqContext as IrqContext
from ._timer import Timer as Timer
from ._timer import TimerEvent as TimerEvent
from ._timer import TimerInfo as TimerInfo
from ._timer import TimerTable as TimerTable
from ._timer import hrtimer_base_clock as hrtimer_base_clock
from ._timer import kernel_expiry as kernel_expiry
from ._virtual import VirtualClock as VirtualClock
