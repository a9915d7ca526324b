"""A workspace's own topics, recognised by closeness to their example phrases.

Each custom topic's examples are embedded with the triage network's (L2-normalised) embedding;
a message joins the custom topic whose nearest example is most similar, when that similarity
is at least the workspace's threshold. Otherwise the built-in topic stands.
"""

from __future__ import annotations

import numpy as np

from heedful.triage.encoder import Encoder, FloatArray
from heedful.triage.taxonomy import TopicSettings


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
