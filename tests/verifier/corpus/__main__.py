"""Entry point of ``python -m tests.verifier.corpus`` (run from the repository's root)."""

from ._cli import main

main()
