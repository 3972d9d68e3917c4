"""Read YAML into plain Python values that remember the line each value came from.

PyYAML's loaders forget positions once they build Python objects; validation needs them to say
``file:line``. We compose the node graph (libyaml's fast composer when available), then build
dicts and lists ourselves, keeping lines on the side. Timestamps stay strings: the roadmap has
its own date grammar (fuzzy windows), parsed in :mod:`roadmap_tracker.dates`.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

try:  # libyaml is an optional speed-up of PyYAML. The two composers give the same nodes for the text
    # both accept, but libyaml accepts a little more (an unquoted `?` inside a flow list, as in
    # `[https://host/?p=1]`): `roadmap validate` warns about that (see portability_problem).
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

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
    """A dict with the line of the mapping and of each key."""

    line: int = 0
    key_lines: dict


class Sequence(list):
    """A list with the line of the sequence and of each item."""

    line: int = 0
    item_lines: list


def parse_yaml(text: str) -> object:
    """Parse one YAML document into :class:`Mapping`/:class:`Sequence`/scalars with lines."""
    try:
        node = yaml.compose(text, Loader=_Loader)
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
    except yaml.YAMLError as exc:  # e.g. a second document
        raise YamlProblem(f"YAML syntax: {str(exc).splitlines()[0]}", 1) from None
    if node is None:
        return None
    return _Builder().build(node)


def portability_problem(text: str) -> YamlProblem | None:
    """Why PyYAML's pure-Python parser cannot read ``text``, which libyaml read (None when it can).

    Other tools reading the same file (editors, linters, scripts without libyaml) use stricter
    parsers; only ``roadmap validate`` pays for this second parse.
    """
    if _Loader is yaml.SafeLoader:
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
    """Builds values from composed nodes. An alias is the same node reached again: each value
    built while re-reading an aliased node counts toward :data:`MAX_ALIAS_VALUES` (a "billion
    laughs" document is small but expands without end). Values written out are not counted; the
    file size limit bounds them."""

    def __init__(self) -> None:
        self.expanded = 0  # values built through aliases
        self.in_alias = 0  # how many aliased nodes are being re-read right now
        self.scalars = SafeConstructor()
        self.active: set[int] = set()
        self.built: set[int] = set()
        self.where = 1  # the line of the value written out that is being built (aliases keep the anchor's)

    def _too_many(self) -> YamlProblem:
        return YamlProblem(f"aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; "
                           "write the values out or split the file", self.where, "too-large")

    def build(self, node: yaml.Node, depth: int = 0) -> object:
        if self.in_alias:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_VALUES:
                raise self._too_many()
        if depth > MAX_DEPTH:
            raise YamlProblem(f"the document nests deeper than {MAX_DEPTH} levels", node.start_mark.line + 1,
                              "too-deep")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        line = node.start_mark.line + 1
        key = id(node)
        if key in self.active:
            raise YamlProblem("an alias refers to the value that contains it; remove the recursive alias",
                              line, "recursive-alias")
        again = key in self.built
        if again:
            if not self.in_alias:  # (inside an alias it was counted above)
                self.expanded += 1
                if self.expanded > MAX_ALIAS_VALUES:
                    raise self._too_many()
            self.in_alias += 1
        else:
            self.built.add(key)
            if not self.in_alias:
                self.where = line
        self.active.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                seq = Sequence(self.build(item, depth + 1) for item in node.value)
                seq.line = line
                seq.item_lines = [item.start_mark.line + 1 for item in node.value]
                return seq
            mapping = Mapping()
            mapping.line = line
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem("merge keys (<<) are not supported; write the keys out",
                                      key_node.start_mark.line + 1, "unsupported-yaml")
                name = self.build(key_node, depth + 1)
                if isinstance(name, (dict, list)):
                    raise YamlProblem("a key must be a plain word, not a list or mapping",
                                      key_node.start_mark.line + 1, "wrong-type")
                name = str(name) if name is not None else ""
                if name in mapping:
                    raise YamlProblem(f"key '{name}' appears twice in the same mapping; keep one",
                                      key_node.start_mark.line + 1, "duplicate-key")
                mapping[name] = self.build(value_node, depth + 1)
                mapping.key_lines[name] = key_node.start_mark.line + 1
            return mapping
        finally:
            self.active.discard(key)
            if again:
                self.in_alias -= 1

    def _scalar(self, node: yaml.ScalarNode) -> object:
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
        except (ConstructorError, ValueError):
            pass
        if tag in _TEXT_TAGS:
            return node.value  # strings and timestamps: the text as written
        raise YamlProblem(f"the tag {tag} is not supported; remove it", node.start_mark.line + 1,
                          "unsupported-yaml")
