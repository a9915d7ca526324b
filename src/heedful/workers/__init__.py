"""Background jobs: polling, webhook processing, delivery, timers.

The API, in full:

* **A job** is ``func(ctx: JobContext, args: Mapping[str, Any]) -> None``; its work is
  idempotent (a job may run twice, or die half-way and run again).
* **Registering**: a module exposes ``register(jobs: JobRegistry)`` and is listed in
  :data:`heedful.workers.registry.JOB_MODULES`::

      def register(jobs: JobRegistry) -> None:
          jobs.job("triage.refine")(refine)                                 # on demand
          jobs.periodic("care.sla_tick", every=timedelta(minutes=1))(tick)  # a timer

* **Deferring**: ``ctx.queue.defer(name, args, key=…, run_at=…, session=…)`` — see
  :class:`heedful.workers.context.JobQueue`. The web app has the queue as ``app.state.jobs``.
* **Running**: by default :class:`~heedful.workers.inprocess.InProcessQueue` runs jobs on
  threads inside ``heedful serve``; with ``HEEDFUL_WORKER_MODE=queue``,
  :class:`~heedful.workers.queue.EngineQueue` hands them to procrastinate (PostgreSQL) and
  ``heedful worker`` processes run them (:func:`heedful.workers.runtime.run_worker`).

Built-in jobs: ``webhooks.process`` / ``webhooks.sweep`` (raw webhook bodies → ingest),
``delivery.drain`` / ``delivery.sweep`` (the outbox), ``polling.tick`` / ``polling.poll``
(channels whose adapter can poll). Correctness never rests on the queue alone: the rows
themselves (``raw_event``, ``outbox``, ``channel_state``) say what is left to do, and the
sweeps find it again after any crash or lost wake-up.
"""
