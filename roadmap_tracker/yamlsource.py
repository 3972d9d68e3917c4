"""Read YAML into plain Python values that remember the line each value came from.

PyYAML's loaders forget positions once they build Python objects; validation needs them to say
``file:line``. We read the parser's events (libyaml's fast parser when available) and build dicts
and lists from them directly, keeping lines on the side: no node graph is held in memory (it took
more than the values themselves), and each event is looked at once. Timestamps stay strings: the
roadmap has its own date grammar (fuzzy windows), parsed in :mod:`roadmap_tracker.dates`.
"""

from __future__ import annotations

import sys
from typing import Any

# PyYAML is imported by the functions that parse: a roadmap served from the parse cache (the
# common case of `roadmap status`) never needs it, and its import is a sixth of the command's time.

MAX_ALIAS_VALUES = 1_000_000  # values reached through aliases: guards against "billion laughs"
MAX_DEPTH = 200
_TEXT_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "!"})


class YamlProblem(Exception):
    """The text is not YAML we can read; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None, code: str = "yaml-syntax"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


class Mapping(dict):
    """A dict with the line of the mapping and of each key (slots: no second dict per mapping)."""

    __slots__ = ("line", "key_lines")
    line: int
    key_lines: dict


class Sequence(list):
    """A list with the line of the sequence and of each item."""

    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list


def _loader():
    """libyaml's fast loader, or PyYAML's pure-Python one where PyYAML was built without it.

    The two give the same values for the text both accept, but libyaml accepts a little more (an
    unquoted `?` inside a flow list, as in `[https://host/?p=1]`): `roadmap validate` warns about
    that (see :func:`portability_problem`).
    """
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> object:
    """Parse one YAML document into :class:`Mapping`/:class:`Sequence`/scalars with lines."""
    import yaml

    try:
        return _Builder().parse(_loader()(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "cannot be read"
        context = f" {exc.context}" if exc.context else ""
        raise YamlProblem(f"YAML syntax: {problem}{context}; check indentation, colons and quotes", line) from None
    except yaml.reader.ReaderError as exc:  # control characters and other unreadable text
        line = text[: exc.position].count("\n") + 1
        raise YamlProblem(f"character {exc.character!r} is not allowed in YAML; delete it", line,
                          "invalid-character") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax: {str(exc).splitlines()[0]}", 1) from None


_NO_KEY = object()
_STR = "tag:yaml.org,2002:str"


def _duplicate_key(key: str, line: int) -> YamlProblem:
    return YamlProblem(f"key '{key}' appears twice in the same mapping; keep one", line, "duplicate-key")


def _new_key(value: object, mapping: dict, line: int) -> str:
    """A mapping's next key, as text, once (the event loop inlines this for plain scalar keys)."""
    key = sys.intern(str(value)) if value is not None else ""
    if key in mapping:
        raise _duplicate_key(key, line)
    return key


def portability_problem(text: str) -> YamlProblem | None:
    """Why PyYAML's pure-Python parser cannot read ``text``, which libyaml read (None when it can).

    Other tools reading the same file (editors, linters, scripts without libyaml) use stricter
    parsers; only ``roadmap validate`` pays for this second parse.
    """
    import yaml

    if _loader() is yaml.SafeLoader:
        return None
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "cannot be read"
        return YamlProblem(f"PyYAML's pure-Python parser, like other strict YAML readers, cannot read this "
                           f"line ({problem}); only libyaml accepts it", mark.line + 1 if mark else None,
                           "yaml-portability")
    except yaml.YAMLError:
        return None  # not a difference between the parsers: parse_yaml reports it
    return None


class _Builder:
    """Builds values from the parser's events.

    An alias (``*name``) gives the value its anchor (``&name``) named, shared, not copied; its
    size (the values it holds, aliases inside counted at their size) counts toward
    :data:`MAX_ALIAS_VALUES`, since a "billion laughs" document is small but expands without end
    for whoever walks it. Values written out are not counted; the file size limit bounds them.
    """

    def __init__(self) -> None:
        self.count = 0  # values in the document, aliases counted at their size
        self.expanded = 0  # values reached through aliases
        from yaml.constructor import ConstructorError, SafeConstructor

        self.scalars = SafeConstructor()
        self.constructor_error = ConstructorError
        self.anchors: dict[str, tuple[object, int]] = {}  # finished anchors: value, size
        self.opening: set[str] = set()  # anchors of collections not finished yet

    def parse(self, loader) -> object:
        """The document's root value.

        One loop over the events with the open collection's state in local variables (the
        enclosing ones wait on ``stack``): this loop runs once per value of the file, and
        attribute look-ups in it were a third of its time. An event's line is looked up only
        where one is kept (keys, list items, collections, anchors) or said in a message.
        """
        from yaml import (AliasEvent as _ALIAS_EVENT, MappingEndEvent as _MAPPING_END,
                          MappingStartEvent as _MAPPING_START, ScalarEvent as _SCALAR_EVENT,
                          ScalarNode as _SCALAR, SequenceEndEvent as _SEQUENCE_END,
                          SequenceStartEvent as _SEQUENCE_START, StreamEndEvent)

        get = loader.get_event
        resolve = loader.resolve
        tags: dict[str, str] = {}  # plain scalar text -> resolved tag (depends on the text alone)
        # resolve() looks up the resolvers by the text's first character: a text starting with any
        # other character (a title, most ids) is a string, known without asking it
        implicit = loader.yaml_implicit_resolvers
        resolved_first = None if None in implicit or loader.yaml_path_resolvers else frozenset(implicit)
        default_tag = loader.DEFAULT_SCALAR_TAG
        anchors = self.anchors
        get()  # stream start
        event = get()
        if isinstance(event, StreamEndEvent):
            return None
        # the open collection: its value, whether a mapping, the lines it keeps, the key waiting
        # for its value (and that key's line), its anchor, and the count when it opened
        container: Any = None  # Mapping | Sequence | None
        is_mapping = False
        lines: Any = []  # its key_lines or item_lines
        key: object = _NO_KEY
        key_line = 0
        anchor: str | None = None
        count_at_start = 0
        stack: list[tuple] = []
        count = 0
        root = _NO_KEY
        last_line = 0  # the line number last made: equal lines share it (a step on one line, its keys)
        intern = sys.intern  # keys: one string per name, not one per mapping
        while True:
            event = get()
            kind = event.__class__
            if kind is _SCALAR_EVENT:
                text = event.value
                tag = event.tag
                if tag is None or tag == "!":
                    if not event.implicit[0]:
                        tag = _STR
                    elif resolved_first is not None and text[:1] not in resolved_first:
                        tag = default_tag
                    else:
                        tag = tags.get(text)
                        if tag is None:
                            tag = tags[text] = resolve(_SCALAR, text, event.implicit)
                if tag in _TEXT_TAGS:
                    value = text
                elif tag == "tag:yaml.org,2002:null":
                    value = None
                else:
                    value = self._scalar(_SCALAR(tag, text, event.start_mark, event.end_mark))
                count += 1
                if event.anchor is not None:
                    self._anchor(event.anchor, value, 1, event.start_mark.line + 1)
                if is_mapping:
                    if key is _NO_KEY:
                        line = event.start_mark.line + 1
                        if line == last_line:
                            line = last_line
                        else:
                            last_line = line
                        if tag == "tag:yaml.org,2002:merge":
                            raise YamlProblem("merge keys (<<) are not supported; write the keys out", line,
                                              "unsupported-yaml")
                        key = intern(str(value)) if value is not None else ""
                        if key in container:
                            raise _duplicate_key(key, line)
                        key_line = line
                    else:
                        container[key] = value
                        lines[key] = key_line
                        key = _NO_KEY
                    continue
                line = event.start_mark.line + 1
                if line == last_line:
                    line = last_line
                else:
                    last_line = line
            elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                line = event.start_mark.line + 1
                if line == last_line:
                    line = last_line
                else:
                    last_line = line
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(f"the document nests deeper than {MAX_DEPTH} levels", line, "too-deep")
                count += 1
                stack.append((container, is_mapping, lines, key, key_line, anchor, count_at_start))
                if kind is _MAPPING_START:
                    container = Mapping()
                    container.key_lines = lines = {}
                    is_mapping = True
                else:
                    container = Sequence()
                    container.item_lines = lines = []
                    is_mapping = False
                container.line = line
                key = _NO_KEY
                anchor = event.anchor
                count_at_start = count
                if anchor is not None:
                    self.opening.add(anchor)
                continue
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                value = container
                line = value.line
                if anchor is not None:
                    self.opening.discard(anchor)
                    self._anchor(anchor, value, count - count_at_start + 1, line)
                container, is_mapping, lines, key, key_line, anchor, count_at_start = stack.pop()
            elif kind is _ALIAS_EVENT:
                line = event.start_mark.line + 1
                name = event.anchor
                if name in self.opening:
                    raise YamlProblem("an alias refers to the value that contains it; remove the recursive alias",
                                      line, "recursive-alias")
                if name not in anchors:
                    raise YamlProblem(f"YAML syntax: found undefined alias '{name}'; define it with &{name} "
                                      "before using it", line)
                value, size = anchors[name]
                count += size
                self.expanded += size
                if self.expanded > MAX_ALIAS_VALUES:
                    raise YamlProblem(f"aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; "
                                      "write the values out or split the file", line, "too-large")
            else:  # document end
                break
            if container is None:
                root = value
                continue
            if not is_mapping:
                container.append(value)
                lines.append(line)
            elif key is _NO_KEY:  # an alias or a collection as a key (a scalar key was taken above)
                if isinstance(value, (Mapping, Sequence)):
                    raise YamlProblem("a key must be a plain word, not a list or mapping", line, "wrong-type")
                key = _new_key(value, container, line)
                key_line = line
            else:
                container[key] = value
                lines[key] = key_line
                key = _NO_KEY
        self.count = count
        event = get()
        if not isinstance(event, StreamEndEvent):
            raise YamlProblem("YAML syntax: a second document starts here (---); a roadmap file holds one "
                              "document", event.start_mark.line + 1)
        return root

    def _anchor(self, name: str, value: object, size: int, line: int) -> None:
        if name in self.anchors or name in self.opening:
            raise YamlProblem(f"YAML syntax: the anchor &{name} is defined twice; rename one", line)
        self.anchors[name] = (value, size)

    def _scalar(self, node) -> object:
        tag = node.tag
        try:
            if tag == "tag:yaml.org,2002:int":
                return self.scalars.construct_yaml_int(node)
            if tag == "tag:yaml.org,2002:float":
                return self.scalars.construct_yaml_float(node)
            if tag == "tag:yaml.org,2002:bool":
                return self.scalars.construct_yaml_bool(node)
            if tag == "tag:yaml.org,2002:null":
                return None
        except (self.constructor_error, ValueError):
            if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
                return node.value  # e.g. a 5000-digit number: kept as written, for the field to judge
        if tag in _TEXT_TAGS:
            return node.value  # strings and timestamps: the text as written
        raise YamlProblem(f"the tag {tag} is not supported; remove it", node.start_mark.line + 1,
                          "unsupported-yaml")
