"""The BPF instruction set of RFC 9669 (https://www.rfc-editor.org/rfc/rfc9669.html).

Opcode constants, the :class:`Instruction` model with its decoder and encoder, the
well-formedness rules (:func:`validate`), a disassembler printing the kernel's text form (or the
uBPF assembler syntax) and an assembler for the uBPF / bpf_conformance syntax.
"""

from ._asm import assemble as assemble
from ._cfg import Block as Block
from ._cfg import basic_blocks as basic_blocks
from ._cfg import subprogram_entries as subprogram_entries
from ._disasm import disassemble as disassemble
from ._disasm import format_instruction as format_instruction
from ._errors import AsmError as AsmError
from ._errors import InstructionError as InstructionError
from ._instruction import CALL as CALL
from ._instruction import CALLX as CALLX
from ._instruction import EXIT as EXIT
from ._instruction import FRAME_POINTER as FRAME_POINTER
from ._instruction import LDDW as LDDW
from ._instruction import LDDW_ALONE as LDDW_ALONE
from ._instruction import LOAD_ACQ as LOAD_ACQ
from ._instruction import MAX_REG as MAX_REG
from ._instruction import MAY_GOTO as MAY_GOTO
from ._instruction import STORE_REL as STORE_REL
from ._instruction import ByteOrder as ByteOrder
from ._instruction import Instruction as Instruction
from ._instruction import check_instruction as check_instruction
from ._instruction import decode as decode
from ._instruction import encode as encode
from ._instruction import is_valid_opcode as is_valid_opcode
from ._instruction import iter_pcs as iter_pcs
from ._instruction import register_use as register_use
from ._instruction import validate as validate
from ._opcodes import FETCH as FETCH
from ._opcodes import SIZE_BYTES as SIZE_BYTES
from ._opcodes import AluOp as AluOp
from ._opcodes import AtomicOp as AtomicOp
from ._opcodes import CallSrc as CallSrc
from ._opcodes import Class as Class
from ._opcodes import JmpOp as JmpOp
from ._opcodes import Mode as Mode
from ._opcodes import PseudoSrc as PseudoSrc
from ._opcodes import Size as Size
from ._opcodes import Source as Source
