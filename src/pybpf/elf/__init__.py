"""Reading BPF object files into specs, with libbpf's conventions
(https://docs.kernel.org/bpf/libbpf/program_types.html).
"""

from ._errors import ElfError as ElfError
from ._reader import load_collection as load_collection
from ._sections import SectionType as SectionType
from ._sections import section_program_type as section_program_type
