"""The ``custodygraph`` command (and ``python -m custodygraph``).

Starting the command loads the command line and the embedded store's client: tens of
thousands of objects that live as long as the process. The garbage collector would pass
over them again and again while they load, and then in every full collection after; so they
are loaded with it paused and set aside for good (``gc.freeze``) before the command runs,
which then collects its own garbage as usual.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from custodygraph import cli
        # the client of the embedded store, which nearly every command opens
        from custodygraph.graph import falkor  # noqa: F401
    finally:
        gc.freeze()
        gc.enable()
    cli.main()


if __name__ == "__main__":  # pragma: no cover
    main()
