"""What every PC tool does at its edges, so none of them ever ends in a traceback.

Ctrl-C ends a tool with one line and status 130; a reader that went away
(``| head``) ends it quietly with status 141, as SIGPIPE would; a file it
cannot read or write is one line naming the file, status 2; a usage mistake
is one line, status 2; and numbers of seconds are checked before anything
starts.
"""

import argparse
import math
import os
import sys

USAGE = 2
INTERRUPTED = 130
BROKEN_PIPE = 141


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake told in one line (the whole usage is in --help)."""

    def error(self, message):
        self.exit(USAGE, "%s: %s (see %s --help)\n" % (self.prog, message, self.prog))


def seconds(text):
    """argparse type: a finite number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number of seconds" % text) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("%s: give a number of seconds above 0" % text)
    return value


def share(text):
    """argparse type: a share between 0 and 1 (0.01 = one in a hundred)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text) from None
    if not 0 <= value <= 1:  # also refuses nan
        raise argparse.ArgumentTypeError("%s: give a share from 0 to 1 (0.01 = 1 %%)" % text)
    return value


def run(name, main, argv=None):
    """``main(argv)``'s status, with the edges above turned into one line and a status."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("%s: interrupted" % name, file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # Nothing more can be written; point stdout at nothing so its final flush is silent.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return BROKEN_PIPE
    except OSError as exc:
        where = "%s: " % exc.filename if exc.filename else ""
        print("%s: %s%s" % (name, where, exc.strerror or exc), file=sys.stderr)
        return USAGE
