"""What every CLI command shares: exit codes and the refusal it prints before exiting."""

from __future__ import annotations

# Exit codes: 0 done, 1 the provider failed or the run was declined, 2 bad input/refused.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2


class CliError(Exception):
    """A refusal the CLI prints before exiting with ``code``."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code
