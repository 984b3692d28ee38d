"""The one exception family the command line and the app turn into a message."""


class StudyappError(Exception):
    """A problem the user can act on; `str()` is one line, shown without a traceback.

    The command line exits with `exit_code`: 1 for bad data.
    """

    exit_code = 1

    def text(self, lang: str) -> str:
        """The message in `lang`; errors whose texts are translated override this."""
        del lang
        return str(self)


class UsageError(StudyappError):
    """The command was asked for something it does not accept (exit status 2, like argparse)."""

    exit_code = 2
