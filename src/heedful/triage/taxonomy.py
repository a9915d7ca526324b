"""The default care topic taxonomy, and how a workspace renames or extends it.

The built-in topics are what the shipped model predicts. A workspace may rename them (a
display label) and add its own topics described by a few example phrases; a message is put in
a custom topic when it reads closer to that topic's examples than a threshold (see
:mod:`heedful.triage.topics`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

BUILTIN_TOPICS: dict[str, str] = {
    "billing_payment": "Billing & payment",
    "outage": "Outage / service disruption",
    "delivery_order": "Delivery & order",
    "account_access": "Account & access",
    "refund_cancellation": "Refund & cancellation",
    "product_fault": "Product fault",
    "staff_service": "Staff & service experience",
    "praise": "Praise",
    "question": "Question / how-to",
    "other": "Other",
}
TOPIC_IDS: tuple[str, ...] = tuple(BUILTIN_TOPICS)
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
# complaint severity, increasing face threat (Jin & Aletras 2021)
SEVERITIES: tuple[str, ...] = ("no_explicit_reproach", "disapproval", "accusation", "blame")


class CustomTopic(BaseModel):
    """A workspace's own topic, recognised by its example phrases."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str
    examples: list[str] = Field(min_length=1)


class TopicSettings(BaseModel):
    """Per-workspace topic settings (stored later in ``workspace.settings["triage"]``)."""

    rename: dict[str, str] = Field(default_factory=dict)
    custom: list[CustomTopic] = Field(default_factory=list)
    # cosine similarity to a custom topic's examples above which it wins over the built-in one
    custom_threshold: float = Field(default=0.55, ge=-1.0, le=1.0)

    def label_of(self, topic_id: str) -> str:
        for topic in self.custom:
            if topic.id == topic_id:
                return topic.label
        return self.rename.get(topic_id, BUILTIN_TOPICS.get(topic_id, topic_id))
