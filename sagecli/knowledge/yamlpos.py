"""Load YAML keeping the line of every value, so errors can say `file.yaml:LINE: what`."""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml is much faster; fall back to the pure-Python loader where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[Any, ...]
# Content is plain data: no YAML aliases (a few hundred bytes of nested aliases expand to billions of
# nodes, the "billion laughs"), and no deeper nesting than any record needs.
MAX_DEPTH = 64
NO_ALIASES = "YAML aliases (*name) are not allowed in content; write the value out"


class YamlProblem(Exception):
    """Malformed YAML with the line where the parser stopped."""

    def __init__(self, line: int, message: str) -> None:
        message = " ".join(message.split())  # parser messages span lines; a problem is one line
        super().__init__(message)
        self.line = line
        self.message = message


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML; return the data and a map from a path of keys/indexes to its 1-based line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"malformed YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:  # a parser error without a position
        raise YamlProblem(1, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem(1, f"nested more than {MAX_DEPTH} levels deep") from None
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    return _build(node, (), lines, set()), lines


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], seen: set[int]) -> Any:
    """Plain data from the node graph. The composer gives an alias the very node its anchor names, so a
    node met twice is an alias: refused there, which also keeps the work linear in the file's size."""
    line = node.start_mark.line + 1
    if id(node) in seen:  # name the line of the alias (its key, or the list it is in), not of the anchor
        raise YamlProblem(lines.get(path, lines.get(path[:-1], line)), NO_ALIASES)
    seen.add(id(node))
    if len(path) > MAX_DEPTH:
        raise YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep")
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, seen)
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, path + (key,), lines, seen)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), lines, seen) for i, child in enumerate(node.value)]
    return _scalar(node, seen, counted=True)


def _scalar(node: yaml.Node, seen: set[int], counted: bool = False) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlProblem(node.start_mark.line + 1, "a mapping key must be a plain value")
    if not counted:  # a key: values were counted by _build
        if id(node) in seen:
            raise YamlProblem(node.start_mark.line + 1, NO_ALIASES)
        seen.add(id(node))
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:  # an unknown tag and the like
        raise YamlProblem(node.start_mark.line + 1, f"malformed YAML: {getattr(exc, 'problem', None) or exc}") from None
    except Exception as exc:  # noqa: BLE001 - PyYAML's constructors fail on odd values (`!!timestamp ''`)
        raise YamlProblem(node.start_mark.line + 1, f"malformed YAML value ({node.tag}): "
                          f"{type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()


def line_for(lines: dict[Path_, int], path: Path_) -> int:
    """The line of the deepest known prefix of path (pydantic locations may go past the YAML)."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return 1
