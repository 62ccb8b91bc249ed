"""The argument grammar the bpftool-style commands share.

bpftool reads keyword arguments (``name NAME``, ``key 1 0 0 0``, ``repeat 10``) rather than
options; the commands here do too, and add options of their own (``--run NAME``,
``--advance 5s``, ``--pin-root DIR``) that may appear anywhere on the line. Each verb's parser
collects everything after the verb; :func:`split_options` pulls the options out and leaves
the words for a :class:`Words` reader.

Byte arguments follow bpftool (``parse_bytes`` in ``map.c``): each word is one byte, decimal
by default, ``0x..`` hex, ``0..`` octal, and a leading ``hex`` word makes every byte hex.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "CommandError",
    "Step",
    "Words",
    "add_common_options",
    "add_noun",
    "add_verb",
    "finish_common",
    "format_time",
    "os_reason",
    "parse_bytes",
    "parse_hex",
    "parse_time",
    "split_options",
]

NS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
               "h": 3_600_000_000_000}
_TIME = re.compile(r"^\s*(-?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(ns|us|ms|s|m|h)?\s*$")
_TIME_HINT = "use 90s, 1.5m, 2h, 100ms, 250us, 10ns or nanoseconds"

_DIGITS = {16: re.compile(r"[0-9a-f]+"), 10: re.compile(r"[0-9]+"), 8: re.compile(r"[0-7]+")}

#: Words that end a run of bytes (the keywords that may follow a key or a value).
BYTE_STOPS = frozenset({"key", "value", "any", "exist", "noexist", "flags"})


class CommandError(Exception):
    """A user mistake or a refused operation, reported as one line (``pybpf map lookup: error: ...``)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def os_reason(err: OSError) -> str:
    """The OS's reason for ``err`` as a message fragment (``no such file or directory``)."""
    return (err.strerror or str(err)).lower()


@dataclass
class Step:
    """One ``--run NAME`` (with the ``--ctx``/``--data`` that follow it) or ``--advance TIME``."""

    kind: str  #: "run" or "advance"
    name: str = ""
    ns: int = 0
    ctx: str | None = None  #: hex text until :func:`finish_common` parses it into ``ctx_bytes``
    data: str | None = None
    ctx_bytes: bytes | None = None
    data_bytes: bytes | None = None


class _Step(argparse.Action):
    """Collects ``--run NAME`` and ``--advance TIME`` into ``namespace.steps``, in order.

    ``--ctx`` and ``--data`` belong to the ``--run`` before them; given before any ``--run``,
    they are the input of every run that has none of its own.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        steps: list[Step] = list(getattr(namespace, "steps", None) or [])
        if self.dest == "advance":
            try:
                steps.append(Step("advance", ns=parse_time(values)))
            except CommandError as err:
                parser.error(f"argument {option_string}: {err}")
        elif self.dest in ("ctx", "data"):
            runs = [step for step in steps if step.kind == "run"]
            if not runs:
                setattr(namespace, self.dest, values)
            elif getattr(runs[-1], self.dest) is not None:
                parser.error(f"argument {option_string}: given twice for --run {runs[-1].name}")
            else:
                setattr(runs[-1], self.dest, values)
        else:
            steps.append(Step("run", name=values))
        namespace.steps = steps


def add_common_options(parser: argparse.ArgumentParser, *, steps: bool = True) -> None:
    """Options every bpftool-style verb takes. Defaults are suppressed so that a verb's parser
    never overwrites what the main parser already read."""
    parser.add_argument("-j", "--json", action="store_true", default=argparse.SUPPRESS,
                        help="JSON output, as bpftool -j")
    parser.add_argument("-p", "--pretty", action="store_true", default=argparse.SUPPRESS,
                        help="pretty JSON output (implies -j)")
    parser.add_argument("-d", "--debug", "--verbose", dest="debug", action="store_true", default=argparse.SUPPRESS,
                        help="on a verifier refusal, print the verifier log first")
    parser.add_argument("--trace", action="store_true", default=argparse.SUPPRESS,
                        help="also print the timer event trace (init, set_callback, start, fire, "
                             "cancel, free) with clock timestamps")
    parser.add_argument("--pin-root", metavar="DIR", default=argparse.SUPPRESS,
                        help="restore the object's maps from DIR before the command and save "
                             "them there after it (map contents only: timers live in a process "
                             "and are not saved)")
    if not steps:
        return
    parser.add_argument("--run", "--prog", dest="run", metavar="NAME", action=_Step,
                        default=argparse.SUPPRESS,
                        help="run program NAME after loading (repeatable, in order with --advance)")
    parser.add_argument("--advance", metavar="TIME", action=_Step, default=argparse.SUPPRESS,
                        help="advance the virtual clock by TIME (2h, 1.5m, 5s, 100ms, 250us, 10ns or ns), "
                             "firing due timers")
    parser.add_argument("--ctx", metavar="HEX", action=_Step, default=argparse.SUPPRESS,
                        help="context bytes (ctx_in), in hex, for the --run before it (before "
                             "any --run: for every run)")
    parser.add_argument("--data", metavar="HEX", action=_Step, default=argparse.SUPPRESS,
                        help="packet bytes (data_in), in hex, for the --run before it (before "
                             "any --run: for every run)")


def split_options(parser: argparse.ArgumentParser, args: argparse.Namespace, words: Sequence[str],
                  *, steps: bool = True) -> list[str]:
    """Read the common options found among ``words`` into ``args``; return the other words.

    ``parser`` is the verb's parser, for ``-h`` and for error messages.
    """
    options = argparse.ArgumentParser(prog=parser.prog, add_help=False, allow_abbrev=False)
    add_common_options(options, steps=steps)
    options.error = parser.error  # type: ignore[method-assign]
    _, rest = options.parse_known_args(list(words), namespace=args)
    if any(word in ("-h", "--help") for word in rest):
        parser.print_help()
        parser.exit(0)
    for word in rest:
        if word.startswith("--") or (word.startswith("-") and len(word) == 2 and word[1].isalpha()):
            parser.error(f"unrecognized option '{word}'")
    return rest


def finish_common(args: argparse.Namespace) -> None:
    """Fill in the defaults of the common options once all of them have been read."""
    args.pretty = bool(getattr(args, "pretty", False))
    args.json = bool(getattr(args, "json", False)) or args.pretty
    args.debug = bool(getattr(args, "debug", False))
    args.pin_root = getattr(args, "pin_root", None)
    args.trace = bool(getattr(args, "trace", False))
    args.steps = list(getattr(args, "steps", None) or [])
    ctx = getattr(args, "ctx", None)
    data = getattr(args, "data", None)
    args.ctx = None if ctx is None else parse_hex(ctx, "--ctx")
    args.data = None if data is None else parse_hex(data, "--data")
    for step in args.steps:
        step.ctx_bytes = args.ctx if step.ctx is None else parse_hex(step.ctx, "--ctx")
        step.data_bytes = args.data if step.data is None else parse_hex(step.data, "--data")


class Words:
    """The keyword arguments of a verb, read front to back."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.pos = 0

    def __bool__(self) -> bool:
        return self.pos < len(self.words)

    def peek(self) -> str | None:
        """The next word, left in place."""
        return self.words[self.pos] if self else None

    def next(self, what: str) -> str:
        """The next word; ``what`` says what was expected if there is none."""
        if not self:
            raise CommandError(f"expected {what}", 2)
        word = self.words[self.pos]
        self.pos += 1
        return word

    def accept(self, *keywords: str) -> str | None:
        """Consume and return the next word if it is one of ``keywords``."""
        word = self.peek()
        if word is not None and word in keywords:
            self.pos += 1
            return word
        return None

    def rest(self) -> list[str]:
        """Every word not read yet (consumed)."""
        rest, self.pos = self.words[self.pos :], len(self.words)
        return rest

    def done(self) -> None:
        """Fail on a word nobody read."""
        if self:
            raise CommandError(f"unexpected argument '{self.words[self.pos]}'", 2)

    def take_bytes(self, what: str, size: int) -> bytes:
        """The bytes of ``key``/``value`` (bpftool's syntax), exactly ``size`` of them."""
        words: list[str] = []
        while self and self.peek() not in BYTE_STOPS:
            words.append(self.next(what))
        return parse_bytes(words, what, size)


def parse_bytes(words: Sequence[str], what: str, size: int) -> bytes:
    """``["1", "0x2", "03"]`` → ``b"\\x01\\x02\\x03"``: bpftool's byte arguments.

    A leading ``hex`` word makes every byte hex (``hex 01 ff``). Like ``strtoul`` cast to a
    byte, a number above 255 keeps its low 8 bits.

    Raises:
        CommandError: a word is not a number, or the count is not ``size``.
    """
    words = list(words)
    base = 0
    if words and words[0] == "hex":
        base = 16
        words = words[1:]
    out = bytearray()
    for word in words:
        out.append(_byte(word, base, what))
    if len(out) != size:
        raise CommandError(f"{what}: expected {size} bytes, got {len(out)}", 2)
    return bytes(out)


def _byte(word: str, base: int, what: str) -> int:
    text = word.strip().lower()
    negative = text.startswith("-")
    digits = text[1:] if text[:1] in "+-" else text
    if base == 16 or digits.startswith("0x"):
        body, radix = digits.removeprefix("0x"), 16
    elif digits.startswith("0") and len(digits) > 1:
        body, radix = digits[1:], 8
    else:
        body, radix = digits, 10
    if not _DIGITS[radix].fullmatch(body):
        raise CommandError(f"{what}: cannot parse byte '{word}'", 2)
    number = int(body, radix)
    return (-number if negative else number) & 0xFF


def parse_time(text: str) -> int:
    """``2h``, ``1.5m``, ``5s``, ``100ms``, ``250us``, ``10ns`` or plain nanoseconds → nanoseconds.

    Raises:
        CommandError: the text is not a time, or a negative one (as ``rt.advance`` refuses).
    """
    match = _TIME.match(text)
    if match is None:
        raise CommandError(f"bad time '{text}' ({_TIME_HINT})", 2)
    sign, number, unit = match.groups()
    try:
        ns = Decimal(number) * NS_PER_UNIT[unit or "ns"]
    except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
        raise CommandError(f"bad time '{text}'", 2) from None
    if ns != int(ns):
        raise CommandError(f"bad time '{text}': not a whole number of nanoseconds", 2)
    if sign and ns:
        raise CommandError(f"bad time '{text}': time can't go backwards", 2)
    return int(ns)


def format_time(ns: int) -> str:
    """The shortest exact spelling of ``ns`` in the units :func:`parse_time` reads."""
    for unit in ("h", "m", "s", "ms", "us"):
        scale = NS_PER_UNIT[unit]
        if ns and ns % scale == 0:
            return f"{ns // scale}{unit}"
    return f"{ns}ns"


def parse_hex(text: str, what: str) -> bytes:
    """Hex bytes, with optional ``0x`` and any spaces or colons between bytes."""
    cleaned = re.sub(r"[\s:]", "", text)
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise CommandError(f"{what}: '{text}' is not hex bytes", 2) from None


Handler = Callable[[argparse.Namespace, Words], int]


def add_noun(subs: Any, name: str, *, help: str, description: str, usage: str) -> Any:
    """Add ``pybpf NAME``, a bpftool-style noun; returns the group :func:`add_verb` adds its
    verbs to (one of them is required)."""
    noun = subs.add_parser(name, help=help, description=description, usage=usage)
    return noun.add_subparsers(dest="verb", required=True, parser_class=type(noun), metavar="VERB")


def add_verb(
    verbs: Any,
    noun: str,
    name: str,
    handler: Handler,
    *,
    usage: str,
    help: str,
    aliases: Sequence[str] = (),
    steps: bool = True,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """Add ``pybpf NOUN NAME``: its words go through :func:`split_options`, then ``handler``."""
    parser: argparse.ArgumentParser = verbs.add_parser(
        name, aliases=list(aliases), prog=f"pybpf {noun + ' ' if noun else ''}{name}", usage=f"pybpf {noun + ' ' if noun else ''}{usage}", help=help,
        description=help, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_options(parser, steps=steps)
    parser.add_argument("words", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def run(args: argparse.Namespace) -> int:
        args.label = f"{noun} {getattr(args, 'verb', None) or name}".strip()  # aliases keep their name
        words = split_options(parser, args, args.words, steps=steps)
        finish_common(args)
        return handler(args, Words(words))

    parser.set_defaults(run=run, label=f"{noun} {name}".strip())
    return parser
