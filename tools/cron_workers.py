"""Cron workers as Odoo's cron threads run them, for the tests and the benchmark of several
Rakuten channels imported at once (run inside an Odoo server process).

:func:`run_workers` starts ``workers`` threads; until none of the given crons is ready, each
does what a cron thread's ``ir.cron._process_jobs`` does for them: read the ready jobs, take
one with ``_acquire_one_job`` (``FOR NO KEY UPDATE SKIP LOCKED``: one cron record never runs on
two workers at once) and run it with ``_process_job`` (its own transactions and commits, the
progress API, the rescheduling: ASAP while ``_notify_progress`` reports work left after ten
calls, else after the cron's interval). Only the given crons run: the database's other
scheduled actions are left alone.
"""

import threading
import time

import psycopg2

import odoo

#: Seconds a worker waits before looking again at the crons another worker is running.
POLL = 0.05


def process_ready(registry, cron_ids):
    """One pass of a cron thread over the ready crons of ``cron_ids``: each one it can take
    is run (ten calls at most, as Odoo does). Returns ``(ran, ready)``: the crons this pass
    ran and those that were ready (another worker may hold some)."""
    IrCron = registry["ir.cron"]
    db = odoo.sql_db.db_connect(registry.db_name)
    ran = []
    with db.cursor() as cron_cr:
        ready = [
            job["id"]
            for job in IrCron._get_all_ready_jobs(cron_cr)
            if job["id"] in cron_ids
        ]
        for job_id in ready:
            try:
                job = IrCron._acquire_one_job(cron_cr, job_id)
            except psycopg2.extensions.TransactionRollbackError:
                cron_cr.rollback()
                continue
            if not job:
                continue  # another worker runs it
            IrCron._process_job(db, cron_cr, job)
            ran.append(job_id)
    return ran, ready


def run_workers(registry, cron_ids, workers, timeout=600, on_done=None):
    """Run the crons ``cron_ids`` with ``workers`` cron threads until none is ready (or
    ``timeout`` seconds). ``on_done(cron_id, seconds)`` is called when a cron was run and is
    no longer ready (its round is done), with the seconds since the workers started.
    Returns the wall time in seconds."""
    cron_ids = set(cron_ids)
    started = time.monotonic()
    deadline = started + timeout
    errors = []

    def worker():
        threading.current_thread().dbname = registry.db_name
        try:
            while time.monotonic() < deadline:
                ran, ready = process_ready(registry, cron_ids)
                if on_done:
                    _still, now_ready = _ready(registry, cron_ids)
                    for cron_id in ran:
                        if cron_id not in now_ready:
                            on_done(cron_id, time.monotonic() - started)
                if not ready:
                    return
                if not ran:
                    time.sleep(POLL)
        except Exception as error:  # noqa: BLE001 - reported to the caller
            errors.append(error)

    threads = [
        threading.Thread(target=worker, name="rakuten-cron-%d" % index)
        for index in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


def _ready(registry, cron_ids):
    db = odoo.sql_db.db_connect(registry.db_name)
    with db.cursor() as cr:
        ready = {
            job["id"]
            for job in registry["ir.cron"]._get_all_ready_jobs(cr)
            if job["id"] in cron_ids
        }
    return cron_ids - ready, ready
