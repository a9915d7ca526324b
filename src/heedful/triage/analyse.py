"""Read a message's text: sentiment, complaint (+ severity), topic and text signals.

Two passes share one output type, :class:`~heedful.triage.priority.TextAnalysis`:

- ``fast`` — the hashed n-gram linear heads only (thousands a second; for bulk imports);
- ``full`` — the fine-tuned network, its complaint probability blended with the linear one.

How the heads are combined is read from the model's metadata (``runtime`` in ``triage.json``),
so a retrained model can change it without code changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from heedful.triage.encoder import Encoder, FloatArray, Outputs, default_encoder, model_meta
from heedful.triage.linear import LinearModel, default_linear
from heedful.triage.priority import TextAnalysis
from heedful.triage.signals import SignalRegistry, builtin_registry
from heedful.triage.taxonomy import SENTIMENTS, SEVERITIES, TOPIC_IDS, TopicSettings
from heedful.triage.topics import CustomTopicMatcher, embedding_topic_head

Mode = Literal["fast", "full"]
DEFAULT_RUNTIME: dict[str, Any] = {
    "sentiment_heads": ["sentiment", "sentiment_airline", "sentiment_tweeteval"],
    "complaint_linear_share": 0.3,
    "complaint_threshold": 0.5,
}


@dataclass(frozen=True)
class HeadProbabilities:
    sentiment: FloatArray
    complaint: float
    severity: FloatArray
    topic: FloatArray
    embedding: FloatArray | None = None


def _runtime() -> dict[str, Any]:
    try:
        return {**DEFAULT_RUNTIME, **model_meta().get("runtime", {})}
    except Exception:
        return dict(DEFAULT_RUNTIME)


@dataclass
class Analyser:
    """Turns texts into :class:`TextAnalysis`; loads its models on first use."""

    registry: SignalRegistry = field(default_factory=builtin_registry)
    topics: TopicSettings = field(default_factory=TopicSettings)
    encoder: Encoder | None = None
    linear: LinearModel | None = None
    _matcher: CustomTopicMatcher | None = field(default=None, init=False, repr=False)

    def _encoder(self) -> Encoder:
        if self.encoder is None:
            self.encoder = default_encoder()
        return self.encoder

    def _linear(self) -> LinearModel:
        if self.linear is None:
            self.linear = default_linear()
        return self.linear

    def heads(self, texts: Sequence[str], mode: Mode = "full") -> list[HeadProbabilities]:
        fast = [self._linear().predict(t) for t in texts]
        if mode == "fast":
            return [self._from_linear(f) for f in fast]
        runtime = _runtime()
        outputs = self._encoder().run(list(texts))
        return [self._blend(o, f, runtime) for o, f in zip(outputs, fast, strict=True)]

    @staticmethod
    def _from_linear(fast: dict[str, FloatArray]) -> HeadProbabilities:
        return HeadProbabilities(
            sentiment=fast["sentiment"],
            complaint=float(fast["complaint"][1]),
            severity=fast["severity"],
            topic=fast["topic"],
        )

    @staticmethod
    def _blend(
        out: Outputs, fast: dict[str, FloatArray], runtime: dict[str, Any]
    ) -> HeadProbabilities:
        p = out.probabilities
        sentiment = np.mean([p[name] for name in runtime["sentiment_heads"]], axis=0)
        share = float(runtime["complaint_linear_share"])
        complaint = (1 - share) * float(p["complaint"][1]) + share * float(fast["complaint"][1])
        topic = p["topic"]
        second = embedding_topic_head()
        if second is not None:
            topic = ((topic + second.probabilities(out.embedding)) / 2).astype(np.float32)
        return HeadProbabilities(
            sentiment=sentiment.astype(np.float32),
            complaint=complaint,
            severity=p["severity"],
            topic=topic,
            embedding=out.embedding,
        )

    def analyse(self, texts: Sequence[str], mode: Mode = "full") -> list[TextAnalysis]:
        probabilities = self.heads(texts, mode)
        topics = self._topics(probabilities)
        threshold = float(_runtime()["complaint_threshold"])
        return [
            self._analysis(text, probs, topic, threshold)
            for text, probs, topic in zip(texts, probabilities, topics, strict=True)
        ]

    def _topics(self, probabilities: list[HeadProbabilities]) -> list[str]:
        builtin = [TOPIC_IDS[int(np.argmax(p.topic))] for p in probabilities]
        if not self.topics.custom or all(p.embedding is None for p in probabilities):
            return builtin  # custom topics need the network's embedding (the full pass)
        if self._matcher is None:
            self._matcher = CustomTopicMatcher(self.topics, self._encoder())
        matcher = self._matcher
        return [
            matcher.match(p.embedding) or topic if p.embedding is not None else topic
            for p, topic in zip(probabilities, builtin, strict=True)
        ]

    def _analysis(
        self, text: str, probs: HeadProbabilities, topic: str, threshold: float
    ) -> TextAnalysis:
        complaint = probs.complaint >= threshold
        return TextAnalysis(
            sentiment=SENTIMENTS[int(np.argmax(probs.sentiment))],
            sentiment_score=round(float(probs.sentiment[2] - probs.sentiment[0]), 4),
            complaint=complaint,
            complaint_probability=round(probs.complaint, 4),
            severity=SEVERITIES[int(np.argmax(probs.severity))] if complaint else None,
            topic=topic,
            signals=tuple(self.registry.detect(text)),
        )
