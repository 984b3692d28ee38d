"""What ONNX Runtime's graph optimizer did to a model, read from the optimized graph it saved.

A graph optimization level is credited only with what its graph shows: the nodes it fused
(a Conv or Gemm that now applies its activation itself — FusedConv, FusedGemm — or a
FusedMatMul), the nodes it moved to the CPU's blocked NCHWc layout (ONNX Runtime's
`com.microsoft.nchwc` kernels and the Reorder nodes between layouts), and nodes it removed
otherwise (constants folded, redundant reshapes dropped). The onnx lab writes these into its
rows; the reading then names them beside each level's measured gain.

`nodes(path)` and `named_nodes(path)` read a saved graph (onnx is imported inside them); the
rest is pure code. The profile lab names the nodes of ONNX Runtime's profile with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from studyapp.labs.onnx_export import NCHWC_DOMAIN

FUSED_PREFIX = "Fused"


@dataclass(frozen=True)
class Node:
    """One node of an optimized graph, as a reader names it."""

    label: str  # "Gemm", "FusedGemm", "NCHWc Conv", "ReorderOutput"
    fused: str = ""  # the operations it does in one kernel: "Conv+Relu"; "" for one alone
    blocked: bool = False  # runs in (or converts to or from) the blocked NCHWc layout

    @property
    def name(self) -> str:
        """The label with what it fused: "NCHWc Conv+Relu" for a blocked fused convolution."""
        if self.blocked and self.fused:
            return f"NCHWc {self.fused}"
        return self.label


def node_of(op_type: str, domain: str, activation: str = "") -> Node:
    """A node named from its operator type, its domain and its `activation` attribute."""
    blocked = domain == NCHWC_DOMAIN
    label = f"NCHWc {op_type}" if blocked and not op_type.startswith("Reorder") else op_type
    base = op_type.removeprefix(FUSED_PREFIX)
    if activation:
        fused = f"{base}+{activation}"
    elif op_type.startswith(FUSED_PREFIX):  # FusedMatMul: a MatMul with its scale/transpose
        fused = f"{base}+Mul/Transpose"
    else:
        fused = ""
    return Node(label, fused, blocked)


def named_nodes(path: Path) -> list[tuple[str, Node]]:
    """The nodes of the ONNX graph at `path` with their names, in graph order."""
    import onnx

    def activation(node: onnx.NodeProto) -> str:
        for attribute in node.attribute:
            if attribute.name == "activation":
                value = onnx.helper.get_attribute_value(attribute)
                return value.decode() if isinstance(value, bytes) else str(value)
        return ""

    graph = onnx.load(str(path), load_external_data=False).graph
    return [(node.name, node_of(node.op_type, node.domain, activation(node)))
            for node in graph.node]


def nodes(path: Path) -> list[Node]:
    """The nodes of the ONNX graph at `path`, in graph order."""
    return [node for _, node in named_nodes(path)]


def counted(names: Iterable[str]) -> str:
    """"FusedConv ×2, MaxPool": each name once, in order of first appearance, with its count."""
    counts = Counter(names)
    return ", ".join(name if count == 1 else f"{name} ×{count}" for name, count in counts.items())


def fusions(graph: Sequence[Node]) -> Counter[str]:
    """"Conv+Relu → FusedConv" for each fused node in the standard layout."""
    return Counter(f"{node.fused} → {node.label}" for node in graph
                   if node.fused and not node.blocked)


@dataclass(frozen=True)
class Change:
    """What one optimization level changed in the graph the level below it left."""

    fused: str  # new fusions: "Gemm+Relu → FusedGemm ×2"
    layout: str  # new blocked-layout nodes: "NCHWc Conv+Relu ×2, NCHWc MaxPool, ReorderOutput"
    removed: str  # other nodes gone (only when nothing was fused or moved): "Mod, Add"
    nodes_before: int
    nodes_after: int

    def as_row(self) -> dict[str, str | int]:
        return {"fused": self.fused, "layout": self.layout, "removed": self.removed,
                "nodes_before": self.nodes_before}


def change(before: Sequence[Node], after: Sequence[Node]) -> Change:
    """The fusions, layout moves and removals that turn graph `before` into `after`."""
    fused = fusions(after) - fusions(before)
    layout = Counter(node.name for node in after if node.blocked) \
        - Counter(node.name for node in before if node.blocked)
    removed: Counter[str] = Counter()
    if not fused and not layout:
        removed = Counter(node.label for node in before) - Counter(node.label for node in after)
    return Change(counted(fused.elements()), counted(layout.elements()),
                  counted(removed.elements()), len(before), len(after))
