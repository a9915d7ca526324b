"""A workspace's own topics, recognised by closeness to their example phrases.

Each custom topic's examples are embedded with the triage network's (L2-normalised) embedding;
a message joins the custom topic whose nearest example is most similar, when that similarity
is at least the workspace's threshold. Otherwise the built-in topic stands.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from heedful.triage.encoder import MODELS_DIR, Encoder, FloatArray, softmax
from heedful.triage.taxonomy import TopicSettings

TOPIC_HEAD_FILE = MODELS_DIR / "triage-topic.npz"


class EmbeddingTopicHead:
    """A logistic-regression topic head on the network's embedding (see train_topic_head.py)."""

    def __init__(self, coef: FloatArray, bias: FloatArray) -> None:
        self.coef = coef
        self.bias = bias

    def probabilities(self, embedding: FloatArray) -> FloatArray:
        return softmax(self.coef @ embedding + self.bias)


@cache
def embedding_topic_head() -> EmbeddingTopicHead | None:
    """The shipped head, or None when the model was built without one."""
    if not TOPIC_HEAD_FILE.is_file():
        return None
    with np.load(TOPIC_HEAD_FILE) as data:
        return EmbeddingTopicHead(data["coef"].astype(np.float32), data["bias"].astype(np.float32))


class CustomTopicMatcher:
    def __init__(self, settings: TopicSettings, encoder: Encoder) -> None:
        self.threshold = settings.custom_threshold
        self.ids: list[str] = []
        examples: list[str] = []
        for topic in settings.custom:
            self.ids += [topic.id] * len(topic.examples)
            examples += topic.examples
        rows = encoder.run(examples) if examples else []
        self.matrix: FloatArray = np.array([r.embedding for r in rows], dtype=np.float32)

    def match(self, embedding: FloatArray) -> str | None:
        """The closest custom topic's id, or None when none is close enough."""
        if not self.ids:
            return None
        similarity = self.matrix @ embedding
        best = int(np.argmax(similarity))
        return self.ids[best] if float(similarity[best]) >= self.threshold else None
