"""Triage: what a message says (sentiment, complaint and severity, topic, text signals) and, with
its context from the store, how urgent it is (priority 0-100 with reasons in plain words).

Modules: ``analyse`` (models → TextAnalysis), ``signals`` (registered text rules),
``priority`` (the pure priority function, ContextSignals, PriorityWeights), ``workspace``
(per-workspace settings), ``history`` (context from the store), ``service`` (stored results and
the conversation roll-up), ``jobs`` (background passes), ``encoder``/``linear``/``topics``
(the shipped models, loaded on first use). Nothing heavy is imported or loaded here.
"""
