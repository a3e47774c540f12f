"""Markdown table of the model cards in a directory (what docs/training.md quotes):

    /usr/bin/python3 -m training.report resources/models
"""

from __future__ import annotations

import glob
import json
import os
import sys

COLUMNS = ("model", "arch", "condition", "epochs (best)", "train time", "s/epoch", "val acc", "test acc",
           "test weighted F1", "test macro F1", "ONNX", "max abs diff")


def row(card: dict, directory: str) -> list[str]:
    training = card["training"]
    test = card["metrics"]["test"]
    size = os.path.getsize(os.path.join(directory, card["onnx"]["file"]))
    diff = card["onnx"].get("maxAbsDiffVsTorch")
    return [
        f"`{card['id']}`",
        card["architecture"],
        card["condition"],
        f"{training['epochsRun']} ({training['bestEpoch']})",
        f"{training['durationSeconds'] / 60:.1f} min",
        f"{training['meanEpochSeconds']:.0f}",
        f"{card['metrics']['validation']['accuracy']:.4f}",
        f"{test['accuracy']:.4f}",
        f"**{test['weightedF1']:.4f}**",
        f"{test['macroF1']:.4f}",
        f"{size / 1e6:.1f} MB",
        "n/a" if diff is None else f"{diff:.1e}",
    ]


def table(directory: str) -> str:
    cards = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as handle:
            card = json.load(handle)
        if card.get("format") == "cipherlens-model":
            cards.append(card)
    cards.sort(key=lambda c: (c["dataset"], c["condition"] != "plain", c["architecture"]))
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(row(card, directory)) + " |" for card in cards]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else "resources/models"))
