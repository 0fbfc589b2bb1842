"""The plain-Python vocabulary graph.schema is declared in, spelled like neomodel's.

``StringProperty(unique_index=True, required=True)``, ``RelationshipTo("Location", "PART_OF")``
and the rest take the same arguments as their neomodel namesakes and only record them, so
declaring the schema costs no import of neomodel or of the neo4j driver (with numpy behind
it), which the embedded engine never needs. graph.ogm turns every declaration into the real
neomodel class, name for name and argument for argument.

A ``Node`` subclass is a node kind: its label is its class name unless it sets ``__label__``,
and a class that sets ``__abstract_node__ = True`` has no label of its own, as in neomodel.

>>> class Thing(Node):
...     __abstract_node__ = True
...     uid = StringProperty(unique_index=True, required=True)
>>> class Tool(Thing):
...     kind = StringProperty(index=True)
>>> class Hammer(Tool):
...     pass
>>> Hammer.inherited_labels()
['Hammer', 'Tool']
>>> [(name, p.unique_index, p.index) for name, p in Hammer.properties().items()]
[('uid', True, False), ('kind', False, True)]
"""

from __future__ import annotations

from typing import Any


class Property:
    """A declared property; the keyword arguments are neomodel's (``unique_index``,
    ``index``, ``required``, ``default``, ``choices``, ...)."""

    def __init__(self, *args: Any, **options: Any) -> None:
        self.args = args
        self.options = options
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def unique_index(self) -> bool:
        return bool(self.options.get("unique_index", False))

    @property
    def index(self) -> bool:
        return bool(self.options.get("index", False))

    @property
    def required(self) -> bool:
        return bool(self.options.get("required", False))

    @property
    def default(self) -> Any:
        return self.options.get("default")

    @property
    def choices(self) -> Any:
        return self.options.get("choices")

    def __repr__(self) -> str:
        args = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.options.items()]
        return f"{type(self).__name__}({', '.join(args)})"


class StringProperty(Property):
    pass


class IntegerProperty(Property):
    pass


class FloatProperty(Property):
    pass


class BooleanProperty(Property):
    pass


class ArrayProperty(Property):
    """A list of values of the base property (``ArrayProperty(StringProperty())``)."""

    @property
    def base_property(self) -> Property | None:
        return self.args[0] if self.args else self.options.get("base_property")


class RelationshipTo:
    """An outgoing relationship of ``relation_type`` to nodes of the class named ``target``,
    with properties declared by ``model`` (a ``Relationship`` subclass), if any."""

    def __init__(self, target: str, relation_type: str, model: type[Relationship] | None = None
                 ) -> None:
        if not isinstance(target, str):
            raise TypeError("name the target class, do not pass it: the declaration may come later")
        self.target = target
        self.relation_type = relation_type
        self.model = model
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        model = f", model={self.model.__name__}" if self.model else ""
        return f"RelationshipTo({self.target!r}, {self.relation_type!r}{model})"


def _collect(cls: type, kind: type) -> dict[str, Any]:
    """The attributes of ``kind`` along ``cls``'s MRO, later classes overriding earlier ones
    (the order neomodel's ``defined_properties`` gives)."""
    found: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        found.update((name, value) for name, value in vars(base).items()
                     if isinstance(value, kind))
    return found


class _Declared:
    """What node and relationship declarations share: their properties, and the neomodel
    class built from them."""

    @classmethod
    def properties(cls) -> dict[str, Property]:
        """Declared properties, inherited ones included, by name."""
        return _collect(cls, Property)

    @classmethod
    def ogm(cls) -> type:
        """The neomodel class built from this declaration (imports neomodel)."""
        from custodygraph.graph import ogm

        return ogm.built(cls)


class Node(_Declared):
    """A node kind (neomodel's ``StructuredNode``, declared only)."""

    __label__: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not vars(cls).get("__abstract_node__"):
            cls.__label__ = vars(cls).get("__label__", cls.__name__)

    @classmethod
    def is_abstract(cls) -> bool:
        return "__label__" not in vars(cls)

    @classmethod
    def inherited_labels(cls) -> list[str]:
        """Every label a node of this class carries, most specific first (as in neomodel)."""
        return [base.__label__ for base in cls.__mro__
                if issubclass(base, Node) and "__label__" in vars(base)]

    @classmethod
    def relationships(cls) -> dict[str, RelationshipTo]:
        """Declared relationships, inherited ones included, by attribute name."""
        return _collect(cls, RelationshipTo)

    @classmethod
    def defined_properties(cls, aliases: bool = True, properties: bool = True,
                           rels: bool = True) -> dict[str, Any]:
        """neomodel's ``defined_properties`` of the built class, for code written against
        neomodel's property objects (imports neomodel). Plain code uses ``properties()``."""
        return cls.ogm().defined_properties(aliases=aliases, properties=properties, rels=rels)


class Relationship(_Declared):
    """The properties a relationship carries (neomodel's ``StructuredRel``, declared only)."""
