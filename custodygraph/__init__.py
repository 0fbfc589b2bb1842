"""custodygraph: a knowledge graph of custody chains for investigators of enforced disappearances.

The Python API is the front door; the ``custodygraph`` command is a thin skin over it.

>>> import custodygraph
>>> custodygraph.__version__
'0.1.0'
"""

from __future__ import annotations

__version__ = "0.1.0"
