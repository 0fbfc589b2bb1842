"""The schema as real neomodel classes, built from the declarations in graph.schema.

graph.schema declares every node kind once, in plain Python (graph.declare); this module
turns each declaration into the neomodel class it spells: same name, same bases, same
properties with the same arguments, same relationships. The Neo4j backend installs its
constraints and indexes from these classes, and they work as an OGM (``ogm.Person.nodes``)
once neomodel has a connection.

Importing this module imports neomodel, and with it the neo4j driver; nothing on the
embedded engine's path does. ``schema.Person.ogm()`` is ``ogm.Person``.
"""

from __future__ import annotations

import types
from typing import Any

import neomodel

from custodygraph.graph import declare, schema

_BUILT: dict[type, type] = {}

#: the class attributes neomodel reads that look private
NEOMODEL_MARKERS = ("__abstract_node__", "__label__", "__optional_labels__")


def built(declaration: type) -> type:
    """The neomodel class built from ``declaration`` (a class of graph.schema)."""
    try:
        return _BUILT[declaration]
    except KeyError:
        raise ValueError(f"not a declaration of graph.schema: {declaration!r}") from None


def _property(decl: declare.Property) -> Any:
    prop_cls = getattr(neomodel, type(decl).__name__)
    args = [_property(a) if isinstance(a, declare.Property) else a for a in decl.args]
    options = {k: _property(v) if isinstance(v, declare.Property) else v
               for k, v in decl.options.items()}
    return prop_cls(*args, **options)


def _relationship(decl: declare.RelationshipTo) -> Any:
    # a dotted name: neomodel looks the target up in this module, whatever the call stack
    model = (_build(decl.model, declare.Relationship, neomodel.StructuredRel)
             if decl.model is not None else None)
    return neomodel.RelationshipTo(f"{__name__}.{decl.target}", decl.relation_type, model=model)


def _build(declaration: type, root: type, neomodel_root: type) -> type:
    if declaration in _BUILT:
        return _BUILT[declaration]
    bases = tuple(_build(b, root, neomodel_root) for b in declaration.__bases__
                  if issubclass(b, root) and b is not root) or (neomodel_root,)
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": declaration.__name__,
                                 "__doc__": declaration.__doc__}
    for name, value in vars(declaration).items():
        if isinstance(value, declare.Property):
            namespace[name] = _property(value)
        elif isinstance(value, declare.RelationshipTo):
            namespace[name] = _relationship(value)
        elif name in NEOMODEL_MARKERS or not (
                name.startswith("__") or callable(value) or isinstance(value, classmethod)):
            # the markers neomodel reads, and plain class data such as STYLE
            namespace[name] = value
    cls = types.new_class(declaration.__name__, bases, exec_body=lambda ns: ns.update(namespace))
    _BUILT[declaration] = cls
    globals()[declaration.__name__] = cls
    return cls


#: every concrete node class, in the order of schema.NODE_CLASSES
NODE_CLASSES: tuple[type[neomodel.StructuredNode], ...] = tuple(
    _build(cls, declare.Node, neomodel.StructuredNode) for cls in schema.NODE_CLASSES)

#: the relationship models, in the order of schema.REL_MODELS
REL_MODELS: tuple[type[neomodel.StructuredRel], ...] = tuple(
    _build(model, declare.Relationship, neomodel.StructuredRel) for model in schema.REL_MODELS)

CLASS_BY_LABEL: dict[str, type[neomodel.StructuredNode]] = {
    cls.__label__: cls for cls in NODE_CLASSES}
