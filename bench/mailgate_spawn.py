#!/usr/bin/env python3
"""Delivers every file of a directory to `guichet mailgate`, one process per
message and PARALLEL at a time, as an MTA's pipe delivery agents do: the
program is executed directly with the message on stdin (posix_spawn, no
shell in between, whose own start would be measured too).

    mailgate_spawn.py BINARY DIR PARALLEL

Prints how many processes exited with each status; exits 1 unless all were 0.
"""
import collections
import os
import sys


def main() -> int:
    binary, directory, parallel = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory))
    running = 0
    statuses = collections.Counter()

    def reap() -> None:
        nonlocal running
        _, status = os.wait()
        running -= 1
        statuses[os.waitstatus_to_exitcode(status)] += 1

    for path in files:
        while running >= parallel:
            reap()
        os.posix_spawn(
            binary,
            [binary, "mailgate"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, path, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            ],
        )
        running += 1
    while running:
        reap()
    print(" ".join(f"exit {code}: {n}" for code, n in sorted(statuses.items())), file=sys.stderr)
    return 0 if set(statuses) <= {0} else 1


if __name__ == "__main__":
    sys.exit(main())
