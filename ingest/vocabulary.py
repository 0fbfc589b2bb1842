"""The record format's controlled values, what each means, and the synonyms it accepts.

Facility and organisation kinds are declared with the schema (graph.schema.FACILITY_KINDS
and ORGANIZATION_KINDS), since each kind is a label.

An unknown value is an error that names the closest valid one; nothing is accepted silently.
"""

from __future__ import annotations

import difflib

EVENT_TYPES: dict[str, str] = {
    "arrest": "taken into custody by a force, branch, patrol or checkpoint",
    "detention": "held at a place",
    "transfer": "moved from one place of detention to this one",
    "sighting": "seen in a place by a witness, such as a former co-detainee",
    "conscription": "called up into military service",
    "enlistment": "joined a force or group of their own will",
    "defection": "left a state force",
    "reconciliation": "took part in a settlement (taswiya) with the authorities",
    "surrender_under_amnesty": "handed themselves in under an amnesty",
    "deployment": "sent to a front or posting",
    "disappearance": "whereabouts unknown from this date; the family has no news",
    "release": "freed from custody",
    "trial": "brought before a court",
    "death": "died",
    "death_notification": "the family was told of the death",
    "body_delivery": "the body was handed to the family",
    "burial": "buried",
}

#: event types that start custody or take place in it; a custody chain begins at the first
CUSTODY_TYPES = frozenset(
    {"arrest", "detention", "transfer", "sighting", "surrender_under_amnesty", "trial",
     "disappearance"}
)
#: event types about what happened to a person once taken: recurrence counts these only, so
#: the unit someone enlisted in does not count as a place of detention
CUSTODY_SIDE_TYPES = CUSTODY_TYPES | {"release", "death", "death_notification", "body_delivery",
                                      "burial"}
#: event types that mean the person was held at the event's facility (HELD_AT is derived)
HELD_TYPES = frozenset({"arrest", "detention", "transfer", "sighting", "surrender_under_amnesty"})
#: event types that mean the person belonged to the event's organisation (MEMBER_OF)
MEMBER_TYPES = frozenset({"conscription", "enlistment", "deployment"})

EVENT_SYNONYMS: dict[str, str] = {
    "arrested": "arrest",
    "detained": "detention",
    "transferred": "transfer",
    "seen": "sighting",
    "conscripted": "conscription",
    "enlisted": "enlistment",
    "defected": "defection",
    "settlement": "reconciliation",
    "surrender": "surrender_under_amnesty",
    "deployed": "deployment",
    "disappeared": "disappearance",
    "enforced_disappearance": "disappearance",
    "released": "release",
    "died": "death",
    "killed": "death",
    "notification_of_death": "death_notification",
    "body_handover": "body_delivery",
    "body_returned": "body_delivery",
    "buried": "burial",
}

CONFIDENCE = ("high", "medium", "low")
SOURCE_KINDS = ("report", "testimony", "document", "media")
LOCATION_LEVELS = ("neighbourhood", "town", "district", "governorate", "region", "country")


def normalise_token(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def closest(value: str, valid) -> str | None:
    """The valid value most like ``value``, if any is close."""
    found = difflib.get_close_matches(normalise_token(value), list(valid), n=1, cutoff=0.5)
    return found[0] if found else None


def choose(value: str, valid, synonyms: dict[str, str] | None = None) -> str:
    """Map ``value`` to a valid term, or raise ValueError naming the closest one.

    >>> choose("Arrested", EVENT_TYPES, EVENT_SYNONYMS)
    'arrest'
    """
    token = normalise_token(value)
    if token in valid:
        return token
    if synonyms and token in synonyms:
        return synonyms[token]
    near = closest(value, list(valid) + list(synonyms or ()))
    near = (synonyms or {}).get(near, near)
    hint = f"did you mean {near!r}? " if near else ""
    raise ValueError(f"unknown value {value!r}; {hint}valid values: {', '.join(valid)}")


__all__ = [
    "EVENT_TYPES", "EVENT_SYNONYMS", "CUSTODY_TYPES", "CUSTODY_SIDE_TYPES", "HELD_TYPES", "MEMBER_TYPES",
    "CONFIDENCE", "SOURCE_KINDS", "LOCATION_LEVELS",
    "choose", "closest",
]
